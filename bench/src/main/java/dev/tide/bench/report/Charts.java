package dev.tide.bench.report;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.BitmapEncoder.BitmapFormat;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler.LegendPosition;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's PNG charts: one figure against the fleet size N (log axis), one series per mode. Only
 * completed runs are plotted, and points without a value (NaN, or not positive on a log axis) are left out.
 */
final class Charts {
    /** One chart: its file name, title, y-axis title, whether y is logarithmic, and the figure per run. */
    record Spec(String file, String title, String yTitle, boolean logY, ToDoubleFunction<RunResult> value) {}

    static final List<Spec> SPECS = List.of(
            new Spec(
                    "delivered-p99.png",
                    "Desired → delivered, p99",
                    "ms",
                    true,
                    r -> r.delivered().p99()),
            new Spec(
                    "healthy-p99.png",
                    "Desired → healthy, p99",
                    "ms",
                    true,
                    r -> r.healthy().p99()),
            new Spec("cpu-seconds.png", "Control-plane CPU per deployment", "CPU s", true, RunResult::cpuSeconds),
            new Spec(
                    "idle-cpu.png",
                    "Control-plane CPU with the fleet idle",
                    "% of one core",
                    false,
                    RunResult::idleCpuPercentOfCore),
            new Spec("floor-ratio.png", "Delivered max / bare gRPC floor", "×", true, RunResult::floorRatio),
            new Spec(
                    "gate.png",
                    "Dependency gate: db healthy (last node) → web delivered (last node)",
                    "ms",
                    true,
                    RunResult::gateMillis));

    private Charts() {}

    /** Renders every chart that has a point into {@code dir}; returns chart file name → title of those written. */
    static Map<String, String> render(Path dir, List<RunResult> runs, List<FloorResult> floors) throws IOException {
        Files.createDirectories(dir);
        Map<String, String> written = new LinkedHashMap<>();
        for (Spec spec : SPECS) {
            Optional<XYChart> chart = chart(spec, runs, floors);
            if (chart.isPresent()) {
                try (OutputStream out = Files.newOutputStream(dir.resolve(spec.file()))) {
                    BitmapEncoder.saveBitmap(chart.get(), out, BitmapFormat.PNG);
                }
                written.put(spec.file(), spec.title());
            } else {
                Files.deleteIfExists(dir.resolve(spec.file()));
            }
        }
        return written;
    }

    private static Optional<XYChart> chart(Spec spec, List<RunResult> runs, List<FloorResult> floors) {
        XYChart chart = new XYChartBuilder()
                .width(900)
                .height(540)
                .title(spec.title())
                .xAxisTitle("simulated agents (N)")
                .yAxisTitle(spec.yTitle())
                .build();
        var styler = chart.getStyler();
        styler.setXAxisLogarithmic(true);
        styler.setYAxisLogarithmic(spec.logY());
        styler.setXAxisDecimalPattern("#,###");
        styler.setYAxisDecimalPattern("#,##0.###");
        if (!spec.logY()) {
            styler.setYAxisMin(0.0);
        }
        styler.setLegendPosition(LegendPosition.OutsideE);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setMarkerSize(8);
        boolean any = false;
        for (String mode : Modes.ordered(runs)) {
            List<double[]> points = new ArrayList<>();
            for (RunResult run : runs) {
                if (run.mode().equals(mode) && run.completed()) {
                    points.add(new double[] {run.nodes(), spec.value().applyAsDouble(run)});
                }
            }
            any |= addSeries(chart, mode, points, spec.logY()).isPresent();
        }
        if (spec.file().equals("delivered-p99.png") && any) {
            addFloor(chart, "floor: stream fan-out max", floors, FloorResult::streamMaxMillis, SeriesLines.DASH_DASH);
            addFloor(chart, "floor: long-poll max", floors, FloorResult::longPollMaxMillis, SeriesLines.DOT_DOT);
        }
        return any ? Optional.of(chart) : Optional.empty();
    }

    private static void addFloor(
            XYChart chart,
            String name,
            List<FloorResult> floors,
            ToDoubleFunction<FloorResult> value,
            java.awt.BasicStroke line) {
        List<double[]> points = new ArrayList<>();
        floors.forEach(f -> points.add(new double[] {f.nodes(), value.applyAsDouble(f)}));
        addSeries(chart, name, points, true).ifPresent(series -> {
            series.setLineStyle(line);
            series.setLineColor(Color.GRAY);
            series.setMarkerColor(Color.GRAY);
            series.setMarker(SeriesMarkers.NONE);
        });
    }

    private static Optional<XYSeries> addSeries(XYChart chart, String name, List<double[]> points, boolean logY) {
        List<double[]> kept = points.stream()
                .filter(p -> p[0] > 0 && Double.isFinite(p[1]) && (!logY || p[1] > 0))
                .sorted((a, b) -> Double.compare(a[0], b[0]))
                .toList();
        if (kept.isEmpty()) {
            return Optional.empty();
        }
        double[] xs = kept.stream().mapToDouble(p -> p[0]).toArray();
        double[] ys = kept.stream().mapToDouble(p -> p[1]).toArray();
        XYSeries series = chart.addSeries(name, xs, ys);
        series.setMarker(SeriesMarkers.CIRCLE);
        return Optional.of(series);
    }
}
