package dev.tide.controlplane.console;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.Resource;
import org.springframework.stereotype.Component;

/**
 * The latest fleet-scale report of {@code ./tide bench}, bundled into the jar at build time from
 * {@code docs/report/} (under {@code static/fleet-report/}, so the console serves it at {@code /fleet-report/}).
 * Read once at start-up. A missing or unreadable file is a report that says so: the Compare page never fails
 * because of it.
 */
@Component
class FleetReport {
    private static final Logger log = LoggerFactory.getLogger(FleetReport.class);
    /** Where the build puts the bundled {@code runs.csv} on the classpath. */
    static final String BUNDLED = "static/fleet-report/runs.csv";

    /** The charts the bench draws, in its order, with their titles (as in its {@code Charts}). */
    private static final List<Chart> CHARTS = List.of(
            new Chart("delivered-p99.png", "Desired → delivered, p99 (ms), with the bare gRPC floor"),
            new Chart("healthy-p99.png", "Desired → healthy, p99 (ms)"),
            new Chart("cpu-seconds.png", "Control-plane CPU per deployment (CPU seconds)"),
            new Chart("idle-cpu.png", "Control-plane CPU with the fleet idle (% of one core)"),
            new Chart("floor-ratio.png", "Delivered max over the bare gRPC floor (×)"),
            new Chart("gate.png", "Dependency gate: db healthy (last node) → web delivered (last node), ms"));

    private volatile Contents contents;

    FleetReport() {
        readFrom(new ClassPathResource(BUNDLED));
    }

    /** What the page shows. */
    Contents contents() {
        return contents;
    }

    /** Reads another {@code runs.csv}, its charts beside it; tests use it to show the page without a report. */
    void readFrom(Resource runsCsv) {
        contents = load(runsCsv);
    }

    /** The runs (by mode in file order, then by size), the charts that exist, or why there is no report. */
    public record Contents(List<Run> runs, List<Chart> charts, boolean floor, String problem) {
        static Contents absent(String problem) {
            return new Contents(List.of(), List.of(), false, problem);
        }

        public boolean present() {
            return problem == null;
        }
    }

    /** One chart image; the alt text says what it plots, the table beside it has the figures. */
    public record Chart(String file, String title) {
        public String alt() {
            return "Chart: " + title + " against the number of simulated agents, one line per mode.";
        }
    }

    /**
     * One mode at one fleet size. Times in ms unless named seconds; {@code NaN} is not measured.
     *
     * @param failure where and why a run that did not reach its size stopped ("" when it did)
     */
    public record Run(
            String mode,
            int nodes,
            boolean completed,
            String failure,
            double deliveredP99Millis,
            double healthyP99Millis,
            double cpuSeconds,
            double idleCpuPercent,
            double reconnectSeconds) {

        public String size() {
            return String.format(Locale.ROOT, "%,d", nodes);
        }

        public String deliveredP99() {
            return millis(deliveredP99Millis);
        }

        public String healthyP99() {
            return millis(healthyP99Millis);
        }

        public String cpu() {
            return millis(cpuSeconds * 1000);
        }

        public String idleCpu() {
            return Double.isNaN(idleCpuPercent) ? "—" : String.format(Locale.ROOT, "%,.1f %%", idleCpuPercent);
        }

        public String reconnect() {
            return millis(reconnectSeconds * 1000);
        }
    }

    /** As the bench's Markdown report writes them: ms under 10 s, s with one decimal above, "—" when unknown. */
    static String millis(double ms) {
        if (Double.isNaN(ms) || Double.isInfinite(ms)) {
            return "—";
        }
        double size = Math.abs(ms);
        if (size >= 10_000) {
            return String.format(Locale.ROOT, "%,.1f s", ms / 1000);
        }
        if (size >= 100) {
            return String.format(Locale.ROOT, "%,.0f ms", ms);
        }
        return String.format(Locale.ROOT, size >= 1 ? "%.1f ms" : "%.2f ms", ms);
    }

    static Contents load(Resource runsCsv) {
        if (!runsCsv.exists()) {
            return Contents.absent("docs/report/runs.csv was not there when this control plane was built.");
        }
        List<Run> runs;
        try {
            runs = parse(runsCsv.getContentAsString(StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            log.warn("The bundled fleet report {} does not read: {}", runsCsv, e.getMessage());
            return Contents.absent("The bundled runs.csv could not be read: " + e.getMessage());
        }
        if (runs.isEmpty()) {
            return Contents.absent("The bundled runs.csv has no runs.");
        }
        List<Chart> charts = CHARTS.stream()
                .filter(c -> exists(runsCsv, "charts/" + c.file()))
                .toList();
        return new Contents(runs, charts, exists(runsCsv, "floor.csv"), null);
    }

    private static boolean exists(Resource base, String relative) {
        try {
            return base.createRelative(relative).exists();
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * The runs of a {@code runs.csv}, read by column name. A later row for the same mode and size replaces an
     * earlier one (the bench appends). Throws {@link IllegalArgumentException} naming the row and column that
     * does not read.
     */
    static List<Run> parse(String csv) {
        List<List<String>> records = CsvRecords.parse(csv);
        if (records.isEmpty()) {
            return List.of();
        }
        Map<String, Integer> columns = new HashMap<>();
        List<String> header = records.get(0);
        for (int i = 0; i < header.size(); i++) {
            columns.putIfAbsent(header.get(i).strip(), i);
        }
        for (String required : List.of("mode", "nodes", "completed")) {
            if (!columns.containsKey(required)) {
                throw new IllegalArgumentException("no column " + required);
            }
        }
        Map<String, TreeMap<Integer, Run>> byMode = new LinkedHashMap<>();
        for (int line = 1; line < records.size(); line++) {
            Row row = new Row(line, records.get(line), columns);
            Run run = new Run(
                    row.text("mode").strip(),
                    row.count("nodes"),
                    row.bool("completed"),
                    row.text("failure").strip(),
                    row.decimal("delivered_p99"),
                    row.decimal("healthy_p99"),
                    row.decimal("cpu_seconds"),
                    row.decimal("idle_cpu_percent_of_core"),
                    row.decimal("reconnect_seconds"));
            if (run.mode().isEmpty()) {
                throw new IllegalArgumentException("row " + line + ": no mode");
            }
            byMode.computeIfAbsent(run.mode(), m -> new TreeMap<>()).put(run.nodes(), run);
        }
        List<Run> runs = new ArrayList<>();
        byMode.values().forEach(sizes -> runs.addAll(sizes.values()));
        return runs;
    }

    /** One record by column name; a missing column or cell is empty. */
    private record Row(int line, List<String> cells, Map<String, Integer> columns) {
        String text(String column) {
            Integer index = columns.get(column);
            return index == null || index >= cells.size() ? "" : cells.get(index);
        }

        double decimal(String column) {
            String cell = text(column).strip();
            if (cell.isEmpty() || cell.equals("NaN")) {
                return Double.NaN;
            }
            try {
                return Double.parseDouble(cell);
            } catch (NumberFormatException e) {
                throw bad(column, "a number");
            }
        }

        int count(String column) {
            try {
                return Integer.parseInt(text(column).strip());
            } catch (NumberFormatException e) {
                throw bad(column, "a whole number");
            }
        }

        boolean bool(String column) {
            return switch (text(column).strip().toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw bad(column, "true or false");
            };
        }

        private IllegalArgumentException bad(String column, String expected) {
            return new IllegalArgumentException(
                    "row " + line + ", " + column + ": \"" + text(column) + "\" is not " + expected);
        }
    }
}
