package dev.tide.controlplane.node;

import dev.tide.controlplane.environment.DeliveryMode;
import dev.tide.controlplane.system.CachedCounts;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.springframework.stereotype.Component;

/**
 * {@code tide.nodes}: nodes by their environment's delivery mode and by whether they are online
 * ({@link Liveness}). One grouped count over the node table serves the four gauges, at most every
 * {@link #MAX_AGE}; online is judged from last-seen times, which are themselves buffered for a few
 * seconds, so a fresher count would not be more accurate.
 */
@Component
class NodeMeters {
    static final Duration MAX_AGE = Duration.ofSeconds(10);

    /** One gauge's share of the nodes. */
    record Key(DeliveryMode mode, boolean online) {}

    NodeMeters(NodeSearch search, MeterRegistry meters, Clock clock) {
        List<Key> keys = new ArrayList<>();
        for (DeliveryMode mode : DeliveryMode.values()) {
            keys.add(new Key(mode, true));
            keys.add(new Key(mode, false));
        }
        new CachedCounts<>(() -> search.countByModeAndLiveness(clock.instant()), clock, MAX_AGE)
                .register(
                        meters,
                        "tide.nodes",
                        "Nodes by their environment's delivery mode, online or not",
                        keys,
                        k -> Tags.of(
                                "mode",
                                k.mode().name().toLowerCase(Locale.ROOT),
                                "state",
                                k.online() ? "online" : "offline"));
    }
}
