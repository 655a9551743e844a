package dev.tide.controlplane.console;

import dev.tide.controlplane.application.DependencyGraph;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The dependency graph laid out for an SVG: one column per rollout stage (as
 * {@link DependencyGraph#stages} computes them), left to right in deployment order, and an arrow
 * from each application to each application it depends on.
 */
public record GraphLayout(int width, int height, List<Box> boxes, List<Edge> edges, List<Label> labels) {
    static final int BOX_WIDTH = 150;
    static final int BOX_HEIGHT = 34;
    static final int COLUMN_GAP = 70;
    static final int ROW_GAP = 16;
    static final int TOP = 28;
    static final int MARGIN = 10;

    /** An application's box; {@code (x, y)} is its top-left corner. */
    public record Box(String name, int x, int y) {
        public int textX() {
            return x + 10;
        }

        public int textY() {
            return y + 22;
        }
    }

    /** A line from a dependent (right) to its dependency (left). */
    public record Edge(int x1, int y1, int x2, int y2) {}

    /** The heading of a stage column. */
    public record Label(String text, int x, int y) {}

    static GraphLayout of(DependencyGraph graph, Map<String, ? extends Collection<String>> dependsOn) {
        if (dependsOn.isEmpty()) {
            return new GraphLayout(0, 0, List.of(), List.of(), List.of());
        }
        Map<String, Integer> stages = graph.stages(dependsOn.keySet());
        Map<Integer, List<String>> columns = new TreeMap<>();
        stages.forEach((app, stage) ->
                columns.computeIfAbsent(stage, s -> new ArrayList<>()).add(app));
        Map<String, Box> boxes = new HashMap<>();
        List<Label> labels = new ArrayList<>();
        int rows = 0;
        for (var column : columns.entrySet()) {
            int x = MARGIN + column.getKey() * (BOX_WIDTH + COLUMN_GAP);
            labels.add(new Label("stage " + column.getKey(), x, 16));
            List<String> apps = column.getValue().stream().sorted().toList();
            for (int i = 0; i < apps.size(); i++) {
                boxes.put(apps.get(i), new Box(apps.get(i), x, TOP + i * (BOX_HEIGHT + ROW_GAP)));
            }
            rows = Math.max(rows, apps.size());
        }
        List<Edge> edges = new ArrayList<>();
        dependsOn.forEach((app, deps) -> {
            Box from = boxes.get(app);
            for (String dep : Set.copyOf(deps)) {
                Box to = boxes.get(dep);
                if (from != null && to != null) {
                    edges.add(
                            new Edge(from.x(), from.y() + BOX_HEIGHT / 2, to.x() + BOX_WIDTH, to.y() + BOX_HEIGHT / 2));
                }
            }
        });
        int width = 2 * MARGIN + columns.size() * BOX_WIDTH + (columns.size() - 1) * COLUMN_GAP;
        int height = TOP + rows * (BOX_HEIGHT + ROW_GAP);
        List<Box> ordered = boxes.values().stream()
                .sorted(java.util.Comparator.comparing(Box::name))
                .toList();
        return new GraphLayout(width, height, ordered, edges, labels);
    }
}
