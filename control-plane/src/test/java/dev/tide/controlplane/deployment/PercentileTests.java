package dev.tide.controlplane.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** Nearest rank, as the fleet report's Percentiles: the same figures everywhere. */
class PercentileTests {
    @Test
    void nearestRank() {
        assertThat(Percentile.of(List.of(1L, 2L, 3L, 4L), 50)).isEqualTo(2L);
        assertThat(Percentile.of(List.of(1L, 2L, 3L), 50)).isEqualTo(2L);
        assertThat(Percentile.of(List.of(7L), 99)).isEqualTo(7L);
        List<Long> hundred = LongStream.rangeClosed(1, 100).boxed().toList();
        assertThat(Percentile.of(hundred, 99)).isEqualTo(99L);
        assertThat(Percentile.of(hundred, 100)).isEqualTo(100L);
        assertThat(Percentile.of(hundred, 1)).isEqualTo(1L);
        assertThat(Percentile.of(List.of(), 50)).isNull();
        assertThatThrownBy(() -> Percentile.of(hundred, 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
