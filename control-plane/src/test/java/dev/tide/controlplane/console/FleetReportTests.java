package dev.tide.controlplane.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.tide.controlplane.console.FleetReport.Contents;
import dev.tide.controlplane.console.FleetReport.Run;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.ClassPathResource;

/** Reading {@code runs.csv} as {@code ./tide bench} writes it, and the figures as the Compare page shows them. */
class FleetReportTests {
    // Columns in another order than the bench writes them, and some missing: reading goes by name.
    private static final String SAMPLE = """
            nodes,mode,completed,delivered_p99,healthy_p99,cpu_seconds,idle_cpu_percent_of_core,reconnect_seconds,failure
            1000,watch,true,5097,5157,12.910000000000004,12.49875510407329,77.748,
            10,push,true,NaN,45.5,0.4,,NaN,
            10000,push,false,,,,,,"enrollment: 7,412 of 10,000 connected, then ""UNAVAILABLE""
            at 600 s"
            1000,push,true,6137,6207,9.88,15.8,17.236,
            10,push,true,80,91,0.5,3.25,2.1,
            """;

    @Test
    void readsRunsByColumnNameWithQuotedFailuresAndUnmeasuredCells() {
        List<Run> runs = FleetReport.parse(SAMPLE);

        // Modes in file order, sizes ascending; the later row for push at 10 replaced the earlier one.
        assertThat(runs)
                .extracting(Run::mode, Run::nodes)
                .containsExactly(tuple("watch", 1000), tuple("push", 10), tuple("push", 1000), tuple("push", 10000));
        Run watch = runs.get(0);
        assertThat(watch.completed()).isTrue();
        assertThat(watch.deliveredP99()).isEqualTo("5,097 ms");
        assertThat(watch.cpu()).isEqualTo("12.9 s");
        assertThat(watch.idleCpu()).isEqualTo("12.5 %");
        assertThat(watch.reconnect()).isEqualTo("77.7 s");

        Run failed = runs.get(3);
        assertThat(failed.completed()).isFalse();
        assertThat(failed.size()).isEqualTo("10,000");
        assertThat(failed.failure()).isEqualTo("enrollment: 7,412 of 10,000 connected, then \"UNAVAILABLE\"\nat 600 s");
        assertThat(List.of(
                        failed.deliveredP99(), failed.healthyP99(), failed.cpu(), failed.idleCpu(), failed.reconnect()))
                .containsOnly("—");

        assertThat(FleetReport.parse(SAMPLE.replace("10,push,true,80,91,0.5,3.25,2.1,\n", "")))
                .filteredOn(r -> r.nodes() == 10)
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.deliveredP99()).isEqualTo("—");
                    assertThat(r.healthyP99()).isEqualTo("45.5 ms");
                    assertThat(r.idleCpu()).isEqualTo("—");
                    assertThat(r.reconnect()).isEqualTo("—");
                });
    }

    @Test
    void timesReadAsMillisecondsUnderTenSecondsAndSecondsAbove() {
        assertThat(FleetReport.millis(0.42)).isEqualTo("0.42 ms");
        assertThat(FleetReport.millis(45.5)).isEqualTo("45.5 ms");
        assertThat(FleetReport.millis(950)).isEqualTo("950 ms");
        assertThat(FleetReport.millis(9_880)).isEqualTo("9,880 ms");
        assertThat(FleetReport.millis(10_000)).isEqualTo("10.0 s");
        assertThat(FleetReport.millis(1_234_567)).isEqualTo("1,234.6 s");
        assertThat(FleetReport.millis(Double.NaN)).isEqualTo("—");
    }

    @Test
    void aMalformedFileIsNoReportThatSaysWhy() {
        assertThatThrownBy(() -> FleetReport.parse("mode,nodes,completed\npush,lots,true\n"))
                .hasMessage("row 1, nodes: \"lots\" is not a whole number");
        assertThat(load("mode,nodes,completed,failure\npush,10,false,\"never closed\n")
                        .problem())
                .contains("could not be read", "quoted field");
        assertThat(load("mode,nodes\npush,10\n").problem()).contains("no column completed");
        assertThat(load("mode,nodes,completed,cpu_seconds\npush,10,true,fast\n").problem())
                .contains("row 1, cpu_seconds: \"fast\" is not a number");
        assertThat(load("mode,nodes,completed\n").problem()).contains("no runs");
        assertThat(load("").present()).isFalse();
    }

    @Test
    void aMissingFileIsNoReportAndTheChartsAreThoseBesideTheFile() {
        Contents missing = FleetReport.load(new ClassPathResource("static/fleet-report/no-such.csv"));
        assertThat(missing.present()).isFalse();
        assertThat(missing.problem()).contains("docs/report/runs.csv");

        Contents bundled = FleetReport.load(new ClassPathResource(FleetReport.BUNDLED));
        assertThat(bundled.present()).isTrue();
        assertThat(bundled.charts()).extracting(FleetReport.Chart::file).contains("delivered-p99.png");
        assertThat(bundled.charts().get(0).alt()).startsWith("Chart: Desired → delivered, p99");
    }

    private static Contents load(String csv) {
        return FleetReport.load(new ByteArrayResource(csv.getBytes(StandardCharsets.UTF_8)));
    }
}
