package dev.tide.agent.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.agent.support.FixedRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTests {

    @Test
    void theCeilingDoublesFromOneSecondUpToSixtySeconds() {
        Backoff backoff = Backoff.standard(FixedRandom.max());
        List<Long> waits = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            waits.add(backoff.next().toSeconds());
        }
        assertThat(waits).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L);
    }

    @Test
    void fullJitterPicksBetweenZeroAndTheCeiling() {
        Backoff low = Backoff.standard(FixedRandom.min());
        low.next();
        low.next();
        assertThat(low.next()).isEqualTo(Duration.ZERO);

        Backoff half = Backoff.standard(FixedRandom.fraction(0.5));
        half.next();
        half.next();
        assertThat(half.next()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aSuccessResetsTheBackoff() {
        Backoff backoff = Backoff.standard(FixedRandom.max());
        backoff.next();
        backoff.next();
        backoff.next();
        backoff.reset();
        assertThat(backoff.failures()).isZero();
        assertThat(backoff.next()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aHugeNumberOfFailuresStaysAtTheCap() {
        Backoff backoff = Backoff.standard(FixedRandom.max());
        for (int i = 0; i < 200; i++) {
            backoff.next();
        }
        assertThat(backoff.next()).isEqualTo(Duration.ofSeconds(60));
    }
}
