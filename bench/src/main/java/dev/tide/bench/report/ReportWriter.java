package dev.tide.bench.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Writes the bench report into a directory: {@code README.md}, the charts in {@code charts/*.png}, and the
 * data behind them in {@code runs.csv} and {@code floor.csv}. The bench appends to the CSVs after every run,
 * so the report can be written again from them alone ({@link ResultsCsv#readAll}, {@link
 * ResultsCsv#readFloors}).
 */
public final class ReportWriter {
    private ReportWriter() {}

    public static void write(Path dir, ReportContext ctx, List<RunResult> runs, List<FloorResult> floors)
            throws IOException {
        // Before any AWT class loads: the charts are drawn without a display.
        System.setProperty("java.awt.headless", "true");
        Files.createDirectories(dir);
        Path runsCsv = dir.resolve("runs.csv");
        if (!Files.exists(runsCsv)) {
            ResultsCsv.writeAll(runsCsv, RunResult.class, runs);
        }
        Path floorCsv = dir.resolve("floor.csv");
        if (!Files.exists(floorCsv)) {
            ResultsCsv.writeAll(floorCsv, FloorResult.class, floors);
        }
        Map<String, String> charts = Charts.render(dir.resolve("charts"), runs, floors);
        Files.writeString(
                dir.resolve("README.md"), MarkdownReport.render(ctx, runs, floors, charts), StandardCharsets.UTF_8);
    }
}
