package dev.tide.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultsCsvTests {

    @TempDir
    Path tmp;

    @Test
    void runsRoundTripRowByRow() throws Exception {
        Path csv = tmp.resolve("runs.csv");
        for (RunResult run : Samples.runs()) {
            ResultsCsv.append(csv, run);
        }

        assertThat(ResultsCsv.readAll(csv)).isEqualTo(Samples.runs());
        assertThat(Files.readAllLines(csv).get(0))
                .startsWith("mode,nodes,completed,failure,enroll_seconds,deploy_seconds,"
                        + "delivered_p50,delivered_p99,delivered_max,applied_p50");
    }

    @Test
    void floorsRoundTrip() throws Exception {
        Path csv = tmp.resolve("floor.csv");
        for (FloorResult floor : Samples.floors()) {
            ResultsCsv.append(csv, floor);
        }

        assertThat(ResultsCsv.readFloors(csv)).isEqualTo(Samples.floors());
        assertThat(Files.readAllLines(csv))
                .first()
                .isEqualTo("nodes,stream_p50_millis,stream_max_millis,long_poll_p50_millis,long_poll_max_millis");
    }

    @Test
    void failureTextIsQuotedAndNotMeasuredCellsAreEmpty() throws Exception {
        Path csv = tmp.resolve("runs.csv");
        ResultsCsv.append(csv, Samples.failed("push", 10_000));

        String text = Files.readString(csv);
        assertThat(text).contains("\"swarm: 9,412 of 10,000 agents connected after PT5M; \"\"push\"\" sessions");
        assertThat(text).contains("(see agents-3.log)\",301,,,,,,,,,,,,,,,,2,800,250,9412,,-1,-1,,,1\n");
        assertThat(ResultsCsv.readAll(csv)).singleElement().satisfies(run -> {
            assertThat(run.failure()).isEqualTo(Samples.FAILURE);
            assertThat(run.deploySeconds()).isNaN();
            assertThat(run.dbStatements()).isEqualTo(-1);
        });
    }

    @Test
    void aMissingFileReadsAsNoResults() throws Exception {
        assertThat(ResultsCsv.readAll(tmp.resolve("absent.csv"))).isEmpty();
        assertThat(ResultsCsv.readFloors(tmp.resolve("absent.csv"))).isEmpty();
    }

    @Test
    void aColumnAddedLaterReadsAsNotMeasuredInOldFiles() throws Exception {
        Path csv = tmp.resolve("floor.csv");
        Files.writeString(csv, "nodes,stream_p50_millis,stream_max_millis\n10,0.5,1\n");

        assertThat(ResultsCsv.readFloors(csv)).singleElement().satisfies(floor -> {
            assertThat(floor.streamMaxMillis()).isEqualTo(1.0);
            assertThat(floor.longPollMaxMillis()).isNaN();
        });
    }

    @Test
    void runsWrittenBeforeTheReplicasColumnReadAsOneReplica() throws Exception {
        Path csv = tmp.resolve("runs.csv");
        Files.writeString(csv, "mode,nodes,completed,failure,cpu_seconds\npush,10,true,,0.5\n");

        assertThat(ResultsCsv.readAll(csv)).singleElement().satisfies(run -> {
            assertThat(run.replicas()).isEqualTo(1);
            assertThat(run.cpuSeconds()).isEqualTo(0.5);
        });
    }

    @Test
    void appendingARunToAFloorFileIsRefused() throws Exception {
        Path csv = tmp.resolve("floor.csv");
        ResultsCsv.append(csv, Samples.floors().get(0));

        assertThatThrownBy(() -> ResultsCsv.append(csv, Samples.runs().get(0)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("other columns");
        assertThat(ResultsCsv.readFloors(csv)).hasSize(1);
    }

    @Test
    void csvFieldsWithLineBreaksCommasAndQuotesParseBack() {
        List<String> fields = List.of("a", "", "b,c", "say \"hi\"", "two\nlines", " padded ");

        assertThat(Csv.parse(Csv.line(fields) + Csv.line(List.of("x")))).containsExactly(fields, List.of("x"));
    }
}
