package dev.tide.controlplane.console;

import dev.tide.controlplane.comparison.Comparison;
import dev.tide.controlplane.comparison.Comparison.Side;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two environments side by side for their latest deployments ({@link Comparison}), drawn as
 * charts: time to healthy per node (sorted, so the curves are the distributions), where that time
 * went, and the load each put on the control plane. Below, the latest fleet-scale report of
 * {@code ./tide bench} bundled with this build ({@link FleetReport}).
 */
@Controller
class ComparePage {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String[] COLORS = {"#6f42c1", "#0b7a75"};

    private final Comparison comparison;
    private final FleetReport fleetReport;

    ComparePage(Comparison comparison, FleetReport fleetReport) {
        this.comparison = comparison;
        this.fleetReport = fleetReport;
    }

    @GetMapping("/compare")
    String compare(@RequestParam(required = false) String a, @RequestParam(required = false) String b, Model model) {
        Comparison.Result result = comparison.compare(a, b);
        List<Side> sides = result.sides();
        model.addAttribute("environments", result.environments());
        model.addAttribute("a", result.a());
        model.addAttribute("b", result.b());
        model.addAttribute("sides", sides);
        if (sides.stream().anyMatch(s -> s.deployment() != null)) {
            model.addAttribute("convergeChart", json(convergeChart(sides)));
            model.addAttribute("phaseChart", json(phaseChart(sides)));
        }
        model.addAttribute("loadChart", json(loadChart(sides)));
        model.addAttribute("fleet", fleetReport.contents());
        return "console/compare";
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
