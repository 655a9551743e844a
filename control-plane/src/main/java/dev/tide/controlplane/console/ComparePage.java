package dev.tide.controlplane.console;

import dev.tide.controlplane.deployment.DeploymentService;
import dev.tide.controlplane.deployment.DeploymentView;
import dev.tide.controlplane.deployment.Percentile;
import dev.tide.controlplane.environment.DeliveryMode;
import dev.tide.controlplane.environment.Environment;
import dev.tide.controlplane.environment.EnvironmentService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two environments side by side for their latest deployments: time to healthy per node (sorted,
 * so the curves are the distributions), where that time went (desired → delivered → applied →
 * healthy, medians), and the load each put on the control plane (agent RPCs and push applies
 * counted by the delivery layer since this control plane started). Below, the latest fleet-scale report of
 * {@code ./tide bench} bundled with this build ({@link FleetReport}).
 */
@Controller
class ComparePage {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String[] COLORS = {"#6f42c1", "#0b7a75"};

    private final EnvironmentService environments;
    private final DeploymentService deployments;
    private final MeterRegistry meters;
    private final FleetReport fleetReport;

    ComparePage(
            EnvironmentService environments,
            DeploymentService deployments,
            MeterRegistry meters,
            FleetReport fleetReport) {
        this.environments = environments;
        this.deployments = deployments;
        this.meters = meters;
        this.fleetReport = fleetReport;
    }

    /** One side of the comparison. */
    public record Side(
            Environment environment,
            DeploymentView deployment,
            List<Long> convergeMillis,
            Long p50,
            Long p90,
            Long max,
            Map<String, Long> phaseMedians,
            Map<String, Double> requests,
            double pushApplies) {}

    @GetMapping("/compare")
    String compare(@RequestParam(required = false) String a, @RequestParam(required = false) String b, Model model) {
        List<Environment> all = environments.list();
        model.addAttribute("environments", all);
        String first = a != null && !a.isBlank() ? a : defaultPick(all, DeliveryMode.PUSH, null);
        String second = b != null && !b.isBlank() ? b : defaultPick(all, DeliveryMode.PULL, first);
        model.addAttribute("a", first);
        model.addAttribute("b", second);
        List<Side> sides = new ArrayList<>();
        for (String name : new String[] {first, second}) {
            if (name != null) {
                sides.add(side(environments.get(name)));
            }
        }
        model.addAttribute("sides", sides);
        if (sides.stream().anyMatch(s -> s.deployment() != null)) {
            model.addAttribute("convergeChart", json(convergeChart(sides)));
            model.addAttribute("phaseChart", json(phaseChart(sides)));
        }
        model.addAttribute("loadChart", json(loadChart(sides)));
        model.addAttribute("fleet", fleetReport.contents());
        return "console/compare";
    }

    /** The first environment in {@code mode}, else any other than {@code not}. */
    private static String defaultPick(List<Environment> all, DeliveryMode mode, String not) {
        return all.stream()
                .filter(e -> e.getMode() == mode && !e.getName().equals(not))
                .findFirst()
                .or(() -> all.stream().filter(e -> !e.getName().equals(not)).findFirst())
                .map(Environment::getName)
                .orElse(null);
    }

    private Side side(Environment env) {
        DeploymentView view = deployments.list(env.getName(), 1).stream()
                .findFirst()
                .map(d -> DeploymentView.of(deployments.get(d.getId())))
                .orElse(null);
        List<Long> converge = new ArrayList<>();
        Map<String, Long> phases = new LinkedHashMap<>();
        if (view != null) {
            view.targets().stream()
                    .filter(t -> t.desiredAt() != null && t.healthyAt() != null)
                    .map(t -> Duration.between(t.desiredAt(), t.healthyAt()).toMillis())
                    .sorted()
                    .forEach(converge::add);
            phases.put(
                    "desired → delivered",
                    median(
                            view.targets(),
                            DeploymentView.TargetView::desiredAt,
                            DeploymentView.TargetView::deliveredAt));
            phases.put(
                    "delivered → applied",
                    median(
                            view.targets(),
                            DeploymentView.TargetView::deliveredAt,
                            DeploymentView.TargetView::appliedAt));
            phases.put(
                    "applied → healthy",
                    median(view.targets(), DeploymentView.TargetView::appliedAt, DeploymentView.TargetView::healthyAt));
        }
        Map<String, Double> requests = new TreeMap<>();
        meters.find("tide.agent.requests")
                .tag("environment", env.getName())
                .counters()
                .forEach(c -> requests.merge(c.getId().getTag("method"), c.count(), Double::sum));
        double applies = meters.find("tide.push.applies").tag("environment", env.getName()).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
        return new Side(
                env,
                view,
                converge,
                // The median and the slowest as the deployment page and the REST API show them.
                view == null ? null : view.summary().medianConvergeMillis(),
                percentile(converge, 90),
                view == null ? null : view.summary().maxConvergeMillis(),
                phases,
                requests,
                applies);
    }

    private static Long median(
            List<DeploymentView.TargetView> targets,
            Function<DeploymentView.TargetView, Instant> from,
            Function<DeploymentView.TargetView, Instant> to) {
        List<Long> values = targets.stream()
                .filter(t -> from.apply(t) != null && to.apply(t) != null)
                .map(t -> Duration.between(from.apply(t), to.apply(t)).toMillis())
                .sorted()
                .toList();
        return percentile(values, 50);
    }

    private static Long percentile(List<Long> sorted, int p) {
        return Percentile.of(sorted, p);
    }

    private static Map<String, Object> convergeChart(List<Side> sides) {
        int longest =
                sides.stream().mapToInt(s -> s.convergeMillis().size()).max().orElse(0);
        List<Integer> labels = new ArrayList<>();
        for (int i = 1; i <= longest; i++) {
            labels.add(i);
        }
        List<Map<String, Object>> datasets = new ArrayList<>();
        for (int i = 0; i < sides.size(); i++) {
            Side s = sides.get(i);
            datasets.add(Map.of(
                    "label",
                    s.environment().getName() + " (" + s.environment().getMode() + ")",
                    "data",
                    s.convergeMillis(),
                    "borderColor",
                    COLORS[i],
                    "backgroundColor",
                    COLORS[i],
                    "stepped",
                    true));
        }
        return Map.of(
                "type", "line",
                "data", Map.of("labels", labels, "datasets", datasets),
                "options",
                        Map.of(
                                "scales",
                                Map.of(
                                        "x", axis("nodes, fastest to slowest"),
                                        "y", axis("time to healthy (ms)"))));
    }

    private static Map<String, Object> phaseChart(List<Side> sides) {
        List<String> phases = List.of("desired → delivered", "delivered → applied", "applied → healthy");
        String[] colors = {"#80ccff", "#54aeff", "#1a7f37"};
        List<Map<String, Object>> datasets = new ArrayList<>();
        for (int p = 0; p < phases.size(); p++) {
            String phase = phases.get(p);
            List<Long> data = sides.stream()
                    .map(s -> s.phaseMedians().getOrDefault(phase, null))
                    .map(v -> v == null ? 0L : v)
                    .toList();
            datasets.add(Map.of("label", phase, "data", data, "backgroundColor", colors[p]));
        }
        return Map.of(
                "type", "bar",
                "data",
                        Map.of(
                                "labels",
                                sides.stream()
                                        .map(s -> s.environment().getName())
                                        .toList(),
                                "datasets",
                                datasets),
                "options",
                        Map.of(
                                "indexAxis",
                                "y",
                                "scales",
                                Map.of(
                                        "x", stackedAxis("median time (ms)"),
                                        "y", Map.of("stacked", true))));
    }

    private static Map<String, Object> loadChart(List<Side> sides) {
        TreeSet<String> kinds = new TreeSet<>();
        sides.forEach(s -> kinds.addAll(s.requests().keySet()));
        List<String> labels = new ArrayList<>(kinds);
        labels.add("push applies");
        List<Map<String, Object>> datasets = new ArrayList<>();
        for (int i = 0; i < sides.size(); i++) {
            Side s = sides.get(i);
            List<Double> data = new ArrayList<>();
            kinds.forEach(k -> data.add(s.requests().getOrDefault(k, 0.0)));
            data.add(s.pushApplies());
            datasets.add(Map.of(
                    "label",
                    s.environment().getName() + " (" + s.environment().getMode() + ")",
                    "data",
                    data,
                    "backgroundColor",
                    COLORS[i]));
        }
        return Map.of(
                "type", "bar",
                "data", Map.of("labels", labels, "datasets", datasets),
                "options", Map.of("scales", Map.of("y", axis("calls since the control plane started"))));
    }

    private static Map<String, Object> axis(String title) {
        return Map.of("beginAtZero", true, "title", Map.of("display", true, "text", title));
    }

    private static Map<String, Object> stackedAxis(String title) {
        return Map.of("stacked", true, "beginAtZero", true, "title", Map.of("display", true, "text", title));
    }

    /** JSON for a {@code <script type="application/json">}; {@code </} cannot close the element. */
    private static String json(Object value) {
        return JSON.writeValueAsString(value).replace("</", "<\\/");
    }
}
