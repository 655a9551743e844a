package dev.tide.bench.floor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.bench.report.FloorResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FloorTests {

    @TempDir
    Path logs;

    @Test
    void measuresBothFloorsAcrossTwoChildJvmsAndLeavesNoneBehind() throws Exception {
        FloorResult floor = Floor.measure(50, 25, 2048, 2, Duration.ofSeconds(60), logs);

        assertThat(floor.nodes()).isEqualTo(50);
        assertThat(floor.streamP50Millis()).isPositive().isLessThanOrEqualTo(floor.streamMaxMillis());
        assertThat(floor.longPollP50Millis()).isPositive().isLessThanOrEqualTo(floor.longPollMaxMillis());
        assertThat(floor.streamMaxMillis()).isLessThan(60_000);
        assertThat(floor.longPollMaxMillis()).isLessThan(60_000);
        assertThat(ProcessHandle.current().children()).isEmpty();
        assertThat(logs.resolve("floor-n50-worker0.log")).content().contains("exit 0");
        assertThat(logs.resolve("floor-n50-worker1.log")).content().contains("exit 0");
        try (Stream<Path> files = Files.list(logs)) {
            assertThat(files).hasSize(3);
        }
    }

    @Test
    void theFloorRunsOverTlsAndCountsWhatTheServerSpends() throws Exception {
        Floor.Measured tls = Floor.measure(20, 20, 2048, 1, Duration.ofSeconds(60), logs, true);

        assertThat(tls.tls()).isTrue();
        assertThat(tls.result().nodes()).isEqualTo(20);
        assertThat(tls.result().longPollMaxMillis()).isPositive();
        assertThat(tls.connectCpuMicros()).isPositive();
        assertThat(tls.pollCpuMicros()).isPositive();
        assertThat(logs.resolve("floor-ca.pem")).content().contains("BEGIN CERTIFICATE");
        assertThat(logs.resolve("floor-n20-server.log")).content().contains("(TLS)");
        assertThat(ProcessHandle.current().children()).isEmpty();
    }

    @Test
    void aStuckPhaseFailsWithWhereAndLeavesNoChildBehind() {
        // No child JVM starts and connects within 100 ms.
        assertThatThrownBy(() -> Floor.measure(10, 10, 2048, 1, Duration.ofMillis(100), logs))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("floor at n=10: connecting: 0 of 10 streams open within PT0.1S")
                .hasMessageContaining(logs.toString());
        assertThat(ProcessHandle.current().children()).isEmpty();
    }
}
