package dev.tide.cli.commands;

import dev.tide.cli.CliException;
import dev.tide.cli.api.ApiClient;
import dev.tide.cli.output.Table;
import dev.tide.cli.output.Values;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code tide node}: the enrolled agents and what each runs. */
@Command(
        name = "node",
        mixinStandardHelpOptions = true,
        description = "Nodes (enrolled agents): list, show desired vs actual per application, remove.",
        subcommands = {NodeCommand.ListNodes.class, NodeCommand.Show.class, NodeCommand.Remove.class})
public final class NodeCommand extends GroupCommand {
    private static final Pattern UUID =
            Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List nodes, optionally filtered; newest data from the agents' last reports.",
            footer = {"%nExample:", "  tide node list -e prod --online=false"})
    static final class ListNodes extends ApiCommand {
        @Option(
                names = {"-e", "--environment"},
                paramLabel = "ENV")
        String environment;

        @Option(names = "--online", paramLabel = "true|false", description = "Heard from recently (or not).")
        Boolean online;

        @Option(names = "--converged", paramLabel = "true|false", description = "Running what it should (or not).")
        Boolean converged;

        @Option(names = "--state", paramLabel = "STATE", description = "An application in this state, e.g. FAILED.")
        String state;

        @Option(names = "--name", paramLabel = "TEXT", description = "Name contains TEXT (any case).")
        String name;

        @Option(names = "--page", defaultValue = "0", paramLabel = "N")
        int page;

        @Option(names = "--size", defaultValue = "100", paramLabel = "N", description = "Nodes per page (max 1000).")
        int size;

        @Override
        public Integer call() {
            JsonNode answer = api().get(ApiClient.query(
                    path("nodes"),
                    "environment",
                    environment,
                    "online",
                    online,
                    "converged",
                    converged,
                    "state",
                    state,
                    "name",
                    name,
                    "page",
                    page,
                    "size",
                    size));
            var zone = printer().zone();
            if (printer().json()) {
                printer().printJson(answer);
                return 0;
            }
            printer()
                    .list(
                            answer.get("items"),
                            new Table()
                                    .column("NAME", "/name")
                                    .column("ENVIRONMENT", "/environment")
                                    .column("MODE", "/ackedMode")
                                    .column("CONVERGED", "/converged")
                                    .column("AGENT", "/agentVersion")
                                    .column("APPLICATIONS", NodeCommand::applications)
                                    .column("LAST SEEN", r -> Values.time(r.get("lastSeenAt"), zone))
                                    .column("ID", "/id"),
                            "nodes");
            long total = answer.path("totalItems").asLong();
            if (total > answer.get("items").size()) {
                printer()
                        .note("(page " + page + " of "
                                + answer.path("totalPages").asInt() + ", " + total + " nodes; --page N for more)");
            }
            return 0;
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "Show a node (by id or exact name) and, per application, desired vs actual release.")
    static final class Show extends OneNode {
        @Override
        public Integer call() {
            JsonNode n = api().get(path("nodes", nodeId()));
            if (printer().json()) {
                printer().printJson(n);
                return 0;
            }
            var fields = new java.util.LinkedHashMap<String, String>();
            fields.put("name", "/name");
            fields.put("id", "/id");
            fields.put("environment", "/environment");
            fields.put("mode acknowledged", "/ackedMode");
            fields.put("labels", "/labels");
            fields.put("push endpoint", "/pushEndpoint");
            fields.put("agent version", "/agentVersion");
            fields.put("generation", "/generation");
            fields.put("applied generation", "/appliedGeneration");
            fields.put("converged", "/converged");
            fields.put("enrolled", "/enrolledAt");
            fields.put("last seen", "/lastSeenAt");
            printer().object(n, fields);
            io().out().println();
            printer()
                    .list(
                            n.get("applications"),
                            new Table()
                                    .column("APPLICATION", "/application")
                                    .column("DESIRED", "/desired/version")
                                    .column("ACTUAL", "/actual/version")
                                    .column("STATE", "/actual/state")
                                    .column("CONVERGED", "/converged")
                                    .column("MESSAGE", "/actual/message"),
                            "applications on this node");
            return 0;
        }
    }

    @Command(
            name = "remove",
            mixinStandardHelpOptions = true,
            description = "Remove a node and revoke its certificate (its agent is cut off at once).")
    static final class Remove extends OneNode {
        @Override
        public Integer call() {
            String id = nodeId();
            api().delete(path("nodes", id));
            printer().done("Removed node " + node + (node.equals(id) ? "" : " (" + id + ")") + ".", null);
            return 0;
        }
    }

    /** A command about one node, named by id or by name. */
    abstract static class OneNode extends ApiCommand {
        @Parameters(index = "0", paramLabel = "NODE", description = "Node id, or its name.")
        String node;

        @Option(
                names = {"-e", "--environment"},
                paramLabel = "ENV",
                description = "Where to look a name up.")
        String environment;

        String nodeId() {
            return resolve(this, node, environment);
        }
    }

    /** A node id as given, or the id of the one node with exactly that name. */
    static String resolve(ApiCommand command, String idOrName, String environment) {
        if (UUID.matcher(idOrName).matches()) {
            return idOrName;
        }
        JsonNode items = command.api()
                .get(ApiClient.query(
                        ApiCommand.path("nodes"), "environment", environment, "name", idOrName, "size", 1000))
                .get("items");
        List<JsonNode> exact = new ArrayList<>();
        items.forEach(n -> {
            if (n.path("name").asString().equals(idOrName)) {
                exact.add(n);
            }
        });
        if (exact.isEmpty()) {
            throw CliException.error(
                    "no node named '" + idOrName + "'" + (environment != null ? " in environment " + environment : ""));
        }
        if (exact.size() > 1) {
            throw CliException.usage("several nodes are named '" + idOrName + "' (in "
                    + String.join(
                            ", ",
                            exact.stream()
                                    .map(n -> n.path("environment").asString())
                                    .toList())
                    + "): add -e ENV or give the id");
        }
        return exact.get(0).get("id").asString();
    }

    /** {@code web=1.2.0(HEALTHY)} per application. */
    private static String applications(JsonNode node) {
        List<String> apps = new ArrayList<>();
        for (JsonNode a : node.path("applications")) {
            String actual = a.path("actual").path("version").asString("");
            String state = a.path("actual").path("state").asString("");
            apps.add(a.path("application").asString() + "=" + (actual.isEmpty() ? "-" : actual)
                    + (state.isEmpty() ? "" : "(" + state + ")"));
        }
        return String.join(",", apps);
    }
}
