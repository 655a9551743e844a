package dev.tide.cli.commands;

import dev.tide.cli.api.ApiClient;
import dev.tide.cli.output.Table;
import dev.tide.cli.output.Values;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code tide compare [A] [B]}: push versus pull, on the latest deployment of each environment. */
@Command(
        name = "compare",
        mixinStandardHelpOptions = true,
        description = {
            "Compare two environments on their latest deployments: time to healthy (median, 90th percentile,"
                    + " slowest), where the time went, and the load each put on the control plane.",
            "Without arguments: the first PUSH and the first PULL environment."
        },
        footer = {"%nExample:", "  tide compare demo-push demo-pull"})
public final class CompareCommand extends ApiCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "A", description = "An environment (default: a PUSH one).")
    String a;

    @Parameters(index = "1", arity = "0..1", paramLabel = "B", description = "Another (default: a PULL one).")
    String b;

    @Override
    public Integer call() {
        JsonNode answer = api().get(ApiClient.query(path("compare"), "a", a, "b", b));
        if (printer().json()) {
            printer().printJson(answer);
            return 0;
        }
        JsonNode sides = answer.path("sides");
        if (sides.isEmpty()) {
            printer().note("No environments to compare.");
            return 0;
        }
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("mode", s -> Values.text(s.get("mode"))));
        rows.add(new Row("deployment", s -> Values.text(s.at("/deployment/id"))));
        rows.add(new Row("state", s -> Values.text(s.at("/deployment/state"))));
        rows.add(new Row(
                "healthy targets",
                s -> s.path("deployment").isNull()
                        ? null
                        : s.path("healthyTargets").asInt() + "/"
                                + s.at("/deployment/summary/targets").asInt()));
        rows.add(new Row("median to healthy", s -> Values.millis(s.get("medianMillis"))));
        rows.add(new Row("90th percentile", s -> Values.millis(s.get("p90Millis"))));
        rows.add(new Row("slowest node", s -> Values.millis(s.get("maxMillis"))));
        Set<String> phases = new LinkedHashSet<>();
        Set<String> methods = new java.util.TreeSet<>();
        sides.forEach(s -> {
            s.path("phaseMedianMillis").propertyNames().forEach(phases::add);
            s.path("agentRequests").propertyNames().forEach(methods::add);
        });
        phases.forEach(p -> rows.add(
                new Row("  " + p, s -> Values.millis(s.path("phaseMedianMillis").get(p)))));
        methods.forEach(m -> rows.add(
                new Row(m + " calls", s -> count(s.path("agentRequests").get(m)))));
        rows.add(new Row("push applies", s -> count(s.get("pushApplies"))));

        Table table = new Table().column("", r -> r.path("label").asString());
        for (int i = 0; i < sides.size(); i++) {
            JsonNode side = sides.get(i);
            int column = i;
            table.column(
                    side.path("environment").asString(),
                    r -> r.path("values").path(column).asString(null));
        }
        List<JsonNode> tableRows = new ArrayList<>();
        for (Row row : rows) {
            var node = ApiClient.JSON.createObjectNode();
            node.put("label", row.label());
            var values = node.putArray("values");
            sides.forEach(s -> values.add(row.value().apply(s)));
            tableRows.add(node);
        }
        table.render(tableRows).forEach(io().out()::println);
        printer().note("(agent calls and push applies: since the control plane started)");
        return 0;
    }

    private record Row(String label, Function<JsonNode, String> value) {}

    private static String count(JsonNode n) {
        return n == null || !n.isNumber() ? "0" : Long.toString(Math.round(n.asDouble()));
    }
}
