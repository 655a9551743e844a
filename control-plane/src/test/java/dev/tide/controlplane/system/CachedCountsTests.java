package dev.tide.controlplane.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Gauges from one grouped query: one query per scrape at most, never a stale value after a failure. */
class CachedCountsTests {
    private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-12-01T10:00:00Z"));
    private final Clock clock = new Clock() {
        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    };
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AtomicInteger queries = new AtomicInteger();
    private volatile Map<String, Long> answer = Map.of("running", 2L);

    @Test
    void theGaugesOfOneScrapeShareOneQueryUntilItIsTooOld() {
        register();

        assertThat(gauge("running")).isEqualTo(2);
        assertThat(gauge("paused")).as("a key the query did not return").isZero();
        assertThat(queries).hasValue(1);

        answer = Map.of("running", 1L, "paused", 1L);
        now.set(now.get().plusSeconds(4));
        assertThat(gauge("running")).as("still cached").isEqualTo(2);
        now.set(now.get().plusSeconds(1));
        assertThat(gauge("running")).isEqualTo(1);
        assertThat(gauge("paused")).isEqualTo(1);
        assertThat(queries).hasValue(2);
    }

    @Test
    void aFailedQueryShowsNoValueRatherThanTheLastOneAndIsTriedAgainLater() {
        register();
        assertThat(gauge("running")).isEqualTo(2);

        answer = null; // the query throws
        now.set(now.get().plusSeconds(5));
        assertThat(gauge("running")).isNaN();
        assertThat(gauge("paused")).isNaN();
        assertThat(queries).as("not retried by every gauge of the scrape").hasValue(2);

        answer = Map.of("running", 3L);
        now.set(now.get().plusSeconds(5));
        assertThat(gauge("running")).isEqualTo(3);
    }

    private void register() {
        new CachedCounts<String>(
                        () -> {
                            queries.incrementAndGet();
                            return Map.copyOf(answer);
                        },
                        clock,
                        Duration.ofSeconds(5))
                .register(meters, "test.things", "things", List.of("running", "paused"), k -> Tags.of("state", k));
    }

    private double gauge(String state) {
        return meters.get("test.things").tag("state", state).gauge().value();
    }
}
