package dev.tide.controlplane.delivery;

import com.sun.management.UnixOperatingSystemMXBean;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many agent connections the gRPC server holds open at once. A connection beyond it is closed
 * as it is accepted, before any TLS handshake, so a reconnect storm (ten thousand agents dialling a
 * restarted control plane while the event loops are still closing the connections the agents gave
 * up on) turns some agents away for a retry instead of running the process out of file
 * descriptors, which fails every accept, database connection and log write at once.
 *
 * <p>The push sessions this process dials to its agents take descriptors from the same budget, so
 * they count against the limit too ({@link #countOutbound}): at 10,000 push nodes, 10,000 sessions
 * plus the agents' own check-in connections would otherwise pass a 20,000 descriptor limit. The
 * default is the process's file-descriptor limit less a reserve for the database pool, jars and
 * logs: a tenth of the limit, at least 512.
 */
final class AgentConnectionLimit {
    private static final Logger log = LoggerFactory.getLogger(AgentConnectionLimit.class);
    private static final long LOG_EVERY_NANOS = 10_000_000_000L;

    private final int limit;
    private final AtomicInteger open = new AtomicInteger();
    private final Counter refused;
    private final AtomicLong refusedSinceLog = new AtomicLong();
    private final AtomicLong lastLog;
    private final LongSupplier nanoTime;
    private volatile IntSupplier outbound = () -> 0;

    AgentConnectionLimit(int limit, MeterRegistry meters, LongSupplier nanoTime) {
        if (limit < 1) {
            throw new IllegalArgumentException("tide.delivery.max-agent-connections must be at least 1");
        }
        this.limit = limit;
        this.nanoTime = nanoTime;
        this.lastLog = new AtomicLong(nanoTime.getAsLong() - LOG_EVERY_NANOS);
        Gauge.builder("tide.agent.connections", open, AtomicInteger::get)
                .description("agent connections the gRPC server holds open")
                .register(meters);
        Gauge.builder("tide.agent.connections.limit", () -> this.limit)
                .description("agent connections held open at most; more are closed as they are accepted")
                .register(meters);
        refused = Counter.builder("tide.agent.connections.refused")
                .description("agent connections closed as they were accepted, over tide.delivery.max-agent-connections")
                .register(meters);
    }

    /** The limit for a configured value: the value itself, or when it is 0 one derived from the file-descriptor limit. */
    static int resolve(int configured) {
        if (configured > 0) {
            return configured;
        }
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        long descriptors = os instanceof UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : -1;
        return fromDescriptorLimit(descriptors);
    }

    static int fromDescriptorLimit(long descriptors) {
        if (descriptors <= 0) {
            return 60_000;
        }
        long reserve = Math.max(512, descriptors / 10);
        return (int) Math.min(Integer.MAX_VALUE, Math.max(64, descriptors - reserve));
    }

    int limit() {
        return limit;
    }

    int open() {
        return open.get();
    }

    /** Connections this process dialled to agents, as {@link #countOutbound} reads them. */
    int outbound() {
        return outbound.getAsInt();
    }

    /** Connections this process opens to agents itself (push sessions), counted against the same limit. */
    void countOutbound(IntSupplier outbound) {
        this.outbound = outbound;
    }

    /** Takes a place for a connection just accepted; false when it is to be closed at once. */
    boolean tryOpen() {
        int dialled = outbound.getAsInt();
        while (true) {
            int now = open.get();
            if (now + dialled >= limit) {
                refused();
                return false;
            }
            if (open.compareAndSet(now, now + 1)) {
                return true;
            }
        }
    }

    /** Gives back the place of a connection that has closed. */
    void closed() {
        open.decrementAndGet();
    }

    private void refused() {
        refused.increment();
        refusedSinceLog.incrementAndGet();
        long now = nanoTime.getAsLong();
        long last = lastLog.get();
        if (now - last >= LOG_EVERY_NANOS && lastLog.compareAndSet(last, now)) {
            int accepted = open.get();
            int dialled = outbound.getAsInt();
            log.warn(
                    "Refused {} agent connection(s) in the last {} s: {} are open ({} accepted, {} push sessions),"
                            + " the most tide.delivery.max-agent-connections allows. The agents retry with backoff.",
                    refusedSinceLog.getAndSet(0),
                    Math.max(1, (now - last) / 1_000_000_000L),
                    accepted + dialled,
                    accepted,
                    dialled);
        }
    }
}
