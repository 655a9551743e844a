package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReconnectPaceTests {

    /** The fleet over the rate, rounded up to 5 s steps, between 5 s and 5 minutes. */
    @ParameterizedTest(name = "{0} nodes at {1}/s: {2} s")
    @CsvSource({
        "0, 200, 5",
        "1, 200, 5",
        "1000, 200, 5",
        "1001, 200, 10", // 6 s, rounded up to a step
        "2000, 200, 10",
        "10000, 200, 50",
        "10000, 1000, 10",
        "7, 1, 10",
        "1000000, 200, 300", // never beyond 5 minutes
        "4611686018427387903, 1, 300"
    })
    void theCapIsTheFleetOverTheRate(long nodes, int rate, int capSeconds) {
        assertThat(ReconnectPace.capSeconds(nodes, rate)).isEqualTo(capSeconds);
    }
}
