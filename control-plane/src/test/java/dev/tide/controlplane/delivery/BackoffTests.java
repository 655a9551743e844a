package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A node whose session failed is dialled again after a random delay between zero and a cap that
 * doubles with each failure in a row, from one second up to a minute, and starts over once a
 * session opens.
 */
class BackoffTests {
    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
    private final UUID node = UUID.randomUUID();

    @Test
    void theLongestDelayDoublesWithEachFailureUpToAMinute() {
        Backoff backoff = new Backoff(CLOCK, Jitter.LONGEST);

        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            backoff.failed(node);
            delays.add(delay(backoff, node).toSeconds());
        }

        assertThat(delays).containsExactly(1L, 2L, 4L, 8L, 16L, 32L, 60L, 60L, 60L);
        assertThat(backoff.due(node)).isFalse();
    }

    @Test
    void theDelayIsDrawnFromZeroToTheCapInclusive() {
        Jitter.Recording recording = new Jitter.Recording(Jitter.NONE);
        Backoff backoff = new Backoff(CLOCK, recording);

        backoff.failed(node);
        backoff.failed(node);
        backoff.failed(node);

        assertThat(recording.bounds).containsExactly(1001L, 2001L, 4001L);
        assertThat(delay(backoff, node)).isZero();
        assertThat(backoff.due(node)).as("a zero draw dials again at once").isTrue();
    }

    @Test
    void nodesThatFailedTogetherReturnSpreadOverTheWholeRange() {
        Backoff backoff = new Backoff(CLOCK, new Random(42));
        List<UUID> fleet =
                IntStream.range(0, 500).mapToObj(i -> UUID.randomUUID()).toList();

        for (UUID n : fleet) {
            backoff.failed(n);
            backoff.failed(n);
            backoff.failed(n); // cap 4 s
        }

        List<Long> millis =
                fleet.stream().map(n -> delay(backoff, n).toMillis()).toList();
        assertThat(millis).allSatisfy(ms -> assertThat(ms).isBetween(0L, 4000L));
        assertThat(millis).anySatisfy(ms -> assertThat(ms).isLessThan(500L));
        assertThat(millis).anySatisfy(ms -> assertThat(ms).isGreaterThan(3500L));
    }

    @Test
    void anOpenedSessionStartsTheNextFailureFromTheFirstDelay() {
        Backoff backoff = new Backoff(CLOCK, Jitter.LONGEST);
        for (int i = 0; i < 5; i++) {
            backoff.failed(node);
        }

        backoff.reset(node);

        assertThat(backoff.due(node)).isTrue();
        assertThat(backoff.nextAttempt(node)).isEmpty();
        backoff.failed(node);
        assertThat(delay(backoff, node)).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void eachNodeBacksOffOnItsOwn() {
        Backoff backoff = new Backoff(CLOCK, Jitter.LONGEST);
        UUID other = UUID.randomUUID();

        backoff.failed(node);
        backoff.failed(node);
        backoff.failed(other);

        assertThat(delay(backoff, node)).isEqualTo(Duration.ofSeconds(2));
        assertThat(delay(backoff, other)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.due(UUID.randomUUID())).isTrue();
    }

    private static Duration delay(Backoff backoff, UUID node) {
        return Duration.between(NOW, backoff.nextAttempt(node).orElseThrow());
    }

    /** Draws that tests choose: always the longest delay, or none. */
    enum Jitter implements RandomGenerator {
        LONGEST {
            @Override
            public long nextLong(long bound) {
                return bound - 1;
            }
        },
        NONE {
            @Override
            public long nextLong(long bound) {
                return 0;
            }
        };

        @Override
        public long nextLong() {
            throw new UnsupportedOperationException("only bounded draws");
        }

        /** Records the bounds asked for. */
        static final class Recording implements RandomGenerator {
            final List<Long> bounds = new ArrayList<>();
            private final RandomGenerator draws;

            Recording(RandomGenerator draws) {
                this.draws = draws;
            }

            @Override
            public long nextLong(long bound) {
                bounds.add(bound);
                return draws.nextLong(bound);
            }

            @Override
            public long nextLong() {
                throw new UnsupportedOperationException("only bounded draws");
            }
        }
    }
}
