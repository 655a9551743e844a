package dev.tide.bench.swarm;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.function.Consumer;

/**
 * Watches a swarm worker's own garbage collection. A worker short of heap spends its time in full
 * collections and answers the control plane late (pings, handshakes, applies), so the run then
 * measures the swarm instead of the control plane; this says so in the worker's log, as an ERROR
 * that the bench's log scan counts.
 *
 * <p>Only full (old-generation) collections count. Young collections on these shared cores take
 * long too, but because the worker waits for a core, not because it lacks heap: more heap does not
 * shorten them, so they are reported beside, not as the error.
 */
final class GcWatch {
    /** More than this share of a window spent in full collections is reported. */
    static final double LIMIT = 0.25;

    private final Consumer<String> error;
    private final List<GarbageCollectorMXBean> full;
    private long lastAllMillis = gcMillis();
    private long lastFullMillis;
    private long lastNanos = System.nanoTime();

    GcWatch(Consumer<String> error) {
        this.error = error;
        this.full = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .filter(GcWatch::collectsOldGeneration)
                .toList();
        this.lastFullMillis = millis(full);
    }

    /** Milliseconds this JVM has spent collecting since it started, young and full. */
    static long gcMillis() {
        return millis(ManagementFactory.getGarbageCollectorMXBeans());
    }

    /** Serial's MarkSweepCompact, Parallel's PS MarkSweep, G1's Old Generation. */
    static boolean collectsOldGeneration(GarbageCollectorMXBean gc) {
        String name = gc.getName();
        return name.contains("MarkSweep") || name.contains("Old") || name.contains("MarkCompact");
    }

    private static long millis(List<GarbageCollectorMXBean> collectors) {
        long total = 0;
        for (GarbageCollectorMXBean gc : collectors) {
            total += Math.max(0, gc.getCollectionTime());
        }
        return total;
    }

    /** Checks the window since the last check; reports it when full collections took more than the limit. */
    void check() {
        long all = gcMillis();
        long fullMillis = millis(full);
        long now = System.nanoTime();
        double windowMillis = (now - lastNanos) / 1e6;
        double fullShare = windowMillis > 0 ? (fullMillis - lastFullMillis) / windowMillis : 0;
        double allShare = windowMillis > 0 ? (all - lastAllMillis) / windowMillis : 0;
        lastAllMillis = all;
        lastFullMillis = fullMillis;
        lastNanos = now;
        if (fullShare > LIMIT) {
            error.accept(String.format(
                    "this swarm worker spent %.0f %% of the last %.0f s in full garbage collections (%.0f %% in all"
                            + " collections; old generation %s): its agents answer late, so the run measures the"
                            + " swarm, not the control plane; give the workers more heap (--worker-heap) or fewer"
                            + " agents (--per-worker)",
                    fullShare * 100, windowMillis / 1000, allShare * 100, oldGeneration()));
        }
    }

    private static String oldGeneration() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            String name = pool.getName();
            if (pool.getType() == MemoryType.HEAP && (name.contains("Old") || name.contains("Tenured"))) {
                return String.format(
                        "%,d of %,d MB used",
                        pool.getUsage().getUsed() >> 20, pool.getUsage().getMax() >> 20);
            }
        }
        return "unknown";
    }
}
