package dev.tide.controlplane.delivery;

import dev.tide.controlplane.system.DatabaseOutage;
import dev.tide.controlplane.system.TideProperties;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The push leases this replica holds: a replica dials a node only while it holds the node's lease
 * ({@link #epoch} is not 0). Every {@code tide.cluster.lease-renew-interval} one
 * {@link PushLeaseStore#round} renews them, hands back what exceeds this replica's fair share (at
 * most {@code tide.cluster.rebalance-rate} a second) and claims free or expired ones up to it,
 * then the listeners (the push dispatcher) hear of it.
 *
 * <p>A lease counts here only until {@code lease-ttl} after the start of the round that last
 * renewed it, measured on this JVM's monotonic clock. That start precedes the database's renewal,
 * so the local view ends before the database lets another replica take the node. A replica cut
 * off from the database thus stops dialling on its own; a replica paused past that point is
 * stopped by the agent, which refuses the older epoch.
 *
 * <p>It starts before the dispatcher and stops after it: a replica that shuts down closes its
 * sessions, then hands its leases back so a survivor takes its nodes at its next round.
 */
@Component
class PushLeases implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(PushLeases.class);

    private final PushLeaseStore store;
    private final ClusterProperties properties;
    private final String replicaId;
    private final LongSupplier nanoTime;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** Nodes whose agent refused this replica's epoch, with that epoch: not dialled again with it. */
    private final Map<UUID, Long> refused = new ConcurrentHashMap<>();

    private final Counter acquired;
    private final Counter released;
    private final Counter expired;
    private final Counter refusals;

    private volatile Map<UUID, Long> held = Map.of();
    private volatile long validUntilNanos;
    private volatile int replicas = 1;
    private volatile ScheduledExecutorService scheduler;
    private volatile boolean running;
    /** Until a round succeeds: leases under this replica's id are a previous run's, to take over. */
    private volatile boolean takeOver = true;

    @Autowired
    PushLeases(PushLeaseStore store, ClusterProperties properties, TideProperties tide, MeterRegistry meters) {
        this(store, properties, properties.replicaIdFor(tide.dataDir()), meters, System::nanoTime);
    }

    PushLeases(
            PushLeaseStore store,
            ClusterProperties properties,
            String replicaId,
            MeterRegistry meters,
            LongSupplier nanoTime) {
        this.store = store;
        this.properties = properties;
        this.replicaId = replicaId;
        this.nanoTime = nanoTime;
        Gauge.builder("tide.push.leases.held", this, l -> l.held().size())
                .description("Push leases this replica holds: the nodes it dials")
                .register(meters);
        Gauge.builder("tide.cluster.replicas", this, l -> l.replicas)
                .description("Live control-plane replicas, as of the last lease round")
                .register(meters);
        this.acquired = Counter.builder("tide.push.leases.acquired")
                .description("Push leases taken, each with a new epoch")
                .register(meters);
        this.released = lost(meters, "released");
        this.expired = lost(meters, "expired");
        this.refusals = Counter.builder("tide.push.leases.refusals")
                .description("Push sessions or applies an agent refused because it follows a newer lease epoch")
                .register(meters);
    }

    private static Counter lost(MeterRegistry meters, String reason) {
        return Counter.builder("tide.push.leases.lost")
                .description("Push leases this replica stopped holding: handed back to balance the replicas,"
                        + " or expired (not renewed in time, or taken by another replica)")
                .tag("reason", reason)
                .register(meters);
    }

    /** The epoch of this replica's lease on the node, or 0 when it must not dial it. */
    long epoch(UUID node) {
        if (nanoTime.getAsLong() - validUntilNanos >= 0) {
            return 0;
        }
        Long epoch = held.get(node);
        if (epoch == null) {
            return 0;
        }
        Long refusedAt = refused.get(node);
        return refusedAt != null && refusedAt >= epoch ? 0 : epoch;
    }

    /** The nodes this replica may dial now, node to epoch. */
    Map<UUID, Long> held() {
        return nanoTime.getAsLong() - validUntilNanos >= 0 ? Map.of() : held;
    }

    /** Called after every round that changed the leases held (on the lease thread). */
    void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /**
     * The node's agent follows a newer epoch than {@code epoch}: another replica owns it, whatever
     * this replica's last round said. Not dialled again until a round gives it a newer epoch.
     */
    void refusedByAgent(UUID node, long epoch) {
        refusals.increment();
        refused.merge(node, epoch, Math::max);
    }

    /**
     * Runs a round now rather than at the next interval: the dispatcher saw push nodes beyond what
     * this replica holds (a node just enrolled, a replica that left). At most one is queued.
     */
    void roundSoon() {
        ScheduledExecutorService s = scheduler;
        if (s != null && running && extraQueued.compareAndSet(false, true)) {
            s.execute(() -> {
                extraQueued.set(false);
                roundSafely();
            });
        }
    }

    /** Live replicas as of the last round (at least 1). */
    int replicas() {
        return replicas;
    }

    private final java.util.concurrent.atomic.AtomicBoolean extraQueued =
            new java.util.concurrent.atomic.AtomicBoolean();

    @Override
    public void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tide-push-leases");
            t.setDaemon(true);
            return t;
        });
        running = true;
        long every = properties.leaseRenewInterval().toMillis();
        scheduler.scheduleWithFixedDelay(this::roundSafely, 0, every, TimeUnit.MILLISECONDS);
    }

    /** One round; a failed one leaves the leases to expire locally, and the next round tries again. */
    void roundSafely() {
        long started = nanoTime.getAsLong();
        Map<UUID, Long> before = held;
        PushLeaseStore.Round round;
        try {
            round = store.round(replicaId, properties.leaseTtl(), takeOver, properties.handBackPerRound());
        } catch (RuntimeException e) {
            if (!DatabaseOutage.is(e)) {
                log.warn("Push lease round failed: {}", e.toString());
            } else {
                log.warn("Push leases not renewed: the database is unavailable ({})", e.getMessage());
            }
            if (!before.isEmpty() && nanoTime.getAsLong() - validUntilNanos >= 0) {
                expired.increment(before.size());
                held = Map.of();
                log.warn("Lost {} push lease(s): not renewed within {}", before.size(), properties.leaseTtl());
                listeners.forEach(Runnable::run);
            }
            return;
        }
        takeOver = false;
        held = round.held();
        replicas = round.replicas();
        validUntilNanos = started + properties.leaseTtl().toNanos();
        refused.keySet().retainAll(round.held().keySet());
        acquired.increment(round.acquired().size());
        released.increment(round.released().size());
        Set<UUID> gone = new HashSet<>(before.keySet());
        gone.removeAll(round.held().keySet());
        gone.removeAll(round.released());
        expired.increment(gone.size());
        if (!round.acquired().isEmpty() || !round.released().isEmpty() || !gone.isEmpty()) {
            log.info(
                    "Push leases: {} held of {} push node(s) across {} replica(s); {} taken, {} handed back, {} lost",
                    round.held().size(),
                    round.pushNodes(),
                    round.replicas(),
                    round.acquired().size(),
                    round.released().size(),
                    gone.size());
        }
        if (!before.equals(round.held())) {
            listeners.forEach(Runnable::run);
        }
    }

    @Override
    public void stop() {
        running = false;
        if (scheduler != null) {
            scheduler.shutdownNow();
            try {
                scheduler.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        held = Map.of();
        try {
            store.leave(replicaId);
            log.info("Handed back the push leases of replica {}", replicaId);
        } catch (RuntimeException e) {
            log.warn("Push leases not handed back ({}); they expire after {}", e.getMessage(), properties.leaseTtl());
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Before the dispatcher (default phase) starts, after it stops. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 1;
    }
}
