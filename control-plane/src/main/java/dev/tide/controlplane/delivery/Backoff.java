package dev.tide.controlplane.delivery;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

/**
 * How long to wait before dialling a node again after its session failed: a random time between
 * zero and a cap (full jitter), so that agents that failed together do not return together. The
 * cap doubles with each failure in a row, from one second up to a minute, and is forgotten once a
 * session opens.
 */
final class Backoff {
    static final long FIRST_CAP_MILLIS = 1000L;
    static final long MAX_CAP_MILLIS = 60_000L;

    private record Failures(int count, Instant nextAttempt) {}

    private final Map<UUID, Failures> nodes = new ConcurrentHashMap<>();
    private final Clock clock;
    private final RandomGenerator random;

    Backoff(Clock clock, RandomGenerator random) {
        this.clock = clock;
        this.random = random;
    }

    /** Whether a node may be dialled now: it has not failed, or its delay has passed. */
    boolean due(UUID node) {
        return nextAttempt(node).map(at -> !clock.instant().isBefore(at)).orElse(true);
    }

    /** When a node may be dialled again; empty when it has not failed since its last session opened. */
    Optional<Instant> nextAttempt(UUID node) {
        return Optional.ofNullable(nodes.get(node)).map(Failures::nextAttempt);
    }

    /** A session to the node failed: the next dial waits a jittered, growing delay. */
    void failed(UUID node) {
        Failures previous = nodes.get(node);
        int failures = previous == null ? 1 : Math.min(previous.count() + 1, 16);
        long capMillis = Math.min(MAX_CAP_MILLIS, FIRST_CAP_MILLIS << Math.min(failures - 1, 6));
        long delay = random.nextLong(capMillis + 1);
        nodes.put(node, new Failures(failures, clock.instant().plusMillis(delay)));
    }

    /** A session opened, or the node is gone: its next failure starts from the first delay. */
    void reset(UUID node) {
        nodes.remove(node);
    }
}
