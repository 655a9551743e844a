package dev.tide.controlplane.system;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Counts by key from one grouped query, run at most once per {@code maxAge}: the gauges of one
 * scrape (one per key) share a single query, and scrapes closer together than {@code maxAge}
 * share its answer. A key the query did not return counts 0; a query that failed leaves every
 * gauge without a value (NaN) until the next try, {@code maxAge} later.
 */
public final class CachedCounts<K> {
    private final Supplier<Map<K, Long>> query;
    private final Clock clock;
    private final Duration maxAge;
    private Map<K, Long> counts;
    private Instant readAt;

    public CachedCounts(Supplier<Map<K, Long>> query, Clock clock, Duration maxAge) {
        this.query = query;
        this.clock = clock;
        this.maxAge = maxAge;
    }

    /** The count of {@code key}, from the cached answer or a fresh query when it is too old. */
    public synchronized double get(K key) {
        Instant now = clock.instant();
        if (readAt == null || !now.isBefore(readAt.plus(maxAge))) {
            readAt = now;
            counts = null; // if the query throws, no value rather than an old one presented as current
            counts = query.get();
        }
        return counts == null ? Double.NaN : counts.getOrDefault(key, 0L);
    }

    /** Registers one gauge {@code name} per key, tagged by {@code tags}, all reading these counts. */
    public void register(
            MeterRegistry meters, String name, String description, Collection<K> keys, Function<K, Tags> tags) {
        for (K key : keys) {
            Gauge.builder(name, this, c -> c.get(key))
                    .description(description)
                    .tags(tags.apply(key))
                    .register(meters);
        }
    }
}
