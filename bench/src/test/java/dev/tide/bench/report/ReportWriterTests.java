package dev.tide.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTests {
    private static final ReportContext CONTEXT = new ReportContext(
            "./tide bench --sizes 10,100,1000,10000",
            "2 cores, 24 GiB, Debian 12, OpenJDK 17.0.15",
            "d6fe3ca",
            Instant.parse("2026-12-01T09:30:00Z"),
            Duration.ofMinutes(83).plusSeconds(12),
            List.of("Swarm agents share 4 JVMs.", "Push at 10,000 ran out of file descriptors."));

    @TempDir
    Path dir;

    @Test
    void writesMarkdownChartsAndCsvs() throws Exception {
        ReportWriter.write(dir, CONTEXT, Samples.runs(), Samples.floors());

        assertThat(dir.resolve("README.md")).isRegularFile();
        assertThat(ResultsCsv.readAll(dir.resolve("runs.csv"))).isEqualTo(Samples.runs());
        assertThat(ResultsCsv.readFloors(dir.resolve("floor.csv"))).isEqualTo(Samples.floors());
        for (Charts.Spec spec : Charts.SPECS) {
            Path png = dir.resolve("charts").resolve(spec.file());
            assertThat(png).isRegularFile();
            assertThat(ImageIO.read(png.toFile())).as(spec.file()).isNotNull();
        }
    }

    @Test
    void markdownHasTheTablesTheFailureVerbatimAndDashesForGaps() throws Exception {
        ReportWriter.write(dir, CONTEXT, Samples.runs(), Samples.floors());

        String md = Files.readString(dir.resolve("README.md"));
        assertThat(md)
                .startsWith("# Tide fleet benchmark")
                .contains("`./tide bench --sizes 10,100,1000,10000`", "d6fe3ca", "2026-12-01 09:30 UTC", "4,992.0 s")
                .contains("| mode | N | done | enroll | deploy | delivered p50 · p99 · max |")
                .contains("| mode | N | CPU | CPU % of a core | idle CPU % |")
                .contains("| mode | N | db healthy (last node) → web delivered (last node) |")
                .contains("| N | stream fan-out p50 | stream fan-out max | long-poll answer p50 |")
                .contains("| 10,000 | 95.0 ms | 310 ms | 120 ms | 450 ms |")
                .contains("| push | 10,000 | ✗ bent |")
                .contains("| interval30 | 1,000 | ✓ | 20.0 s | 292.0 s | 14.5 s · 26.1 s · 29.0 s |")
                .contains("— · 21.0 s · —")
                .contains("## Where it bent", "- **push** at 10,000 agents:")
                .contains("![Desired → delivered, p99](charts/delivered-p99.png)")
                .contains("- Push at 10,000 ran out of file descriptors.");
        Samples.FAILURE.lines().forEach(line -> assertThat(md).contains(line));
        assertThat(md).contains("````text");
    }

    @Test
    void runsWithSeveralReplicasSayHowManyInTheTablesAndTheCsv() throws Exception {
        List<RunResult> runs = List.of(Samples.run("push", 1000, 2_900, 2));

        ReportWriter.write(dir, CONTEXT, runs, Samples.floors());

        assertThat(Files.readString(dir.resolve("README.md")))
                .contains("| push, 2 replicas | 1,000 | ✓ |")
                .doesNotContain("| push | 1,000 |");
        assertThat(ResultsCsv.readAll(dir.resolve("runs.csv"))).isEqualTo(runs);
        assertThat(Files.readAllLines(dir.resolve("runs.csv")).get(0)).endsWith(",floor_ratio,replicas");
    }

    @Test
    void csvsAlreadyInTheDirectoryAreKept() throws Exception {
        Path runs = dir.resolve("runs.csv");
        ResultsCsv.append(runs, Samples.runs().get(0));

        ReportWriter.write(dir, CONTEXT, Samples.runs(), Samples.floors());

        assertThat(ResultsCsv.readAll(runs)).containsExactly(Samples.runs().get(0));
    }

    @Test
    void noResultsStillGiveAReport() throws Exception {
        ReportWriter.write(dir, CONTEXT, List.of(), List.of());

        assertThat(Files.readString(dir.resolve("README.md")))
                .contains("Every mode completed at every size.", "No completed run has a figure to plot.");
    }

    @Test
    void aSingleSizeStillCharts() throws Exception {
        ReportWriter.write(
                dir,
                CONTEXT,
                List.of(Samples.run("push", 10, 5.0)),
                List.of(Samples.floors().get(0)));

        assertThat(ImageIO.read(dir.resolve("charts/delivered-p99.png").toFile()))
                .isNotNull();
    }
}
