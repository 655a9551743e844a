package dev.tide.controlplane.delivery;

import com.google.protobuf.Timestamp;
import dev.tide.controlplane.deployment.DeploymentExecutor;
import dev.tide.controlplane.deployment.TargetProgress;
import dev.tide.controlplane.node.NodeDesired;
import dev.tide.controlplane.system.DatabaseOutage;
import dev.tide.proto.agent.v1.AppStatus;
import dev.tide.proto.agent.v1.Event;
import dev.tide.proto.agent.v1.EventType;
import dev.tide.proto.agent.v1.StatusReport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Takes status reports from agents (pull RPCs and push sessions alike) and writes them in
 * batches: one transaction per flush interval, however many agents report. A report's future
 * completes when its batch is committed, so an agent is answered only once its report is safe.
 *
 * <p>A batch's window starts when its first report arrives, so reports that arrive while the
 * previous batch is written are gathered meanwhile: under load a batch is written as soon as the
 * one before it has committed, and the rate is bounded by the write, not by write plus window.
 *
 * <p>While the fleet is quiet (the last batch was small) a report waits at most {@link
 * #QUIET_WINDOW} for company instead of the whole interval: a handful of agents finishing a
 * deployment should not each wait 100 ms for reports that are not coming. As soon as batches
 * grow, the full interval applies again and the write stays one transaction per interval.
 */
@Component
class StatusIngestor implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(StatusIngestor.class);
    private static final int MAX_BATCH = 2000;
    /** Events about a running application, kept as its last event ({@link #lastRunningEvents}). */
    private static final Set<EventType> RUNNING_EVENTS =
            EnumSet.of(EventType.RESTARTED, EventType.APP_STOPPED, EventType.DRIFTED);
    /** The gathering window while the fleet is quiet. */
    static final Duration QUIET_WINDOW = Duration.ofMillis(10);
    /** A batch at least this large means the fleet is busy: gather for the whole interval. */
    static final int BUSY_BATCH = 32;

    /**
     * A report waiting for its batch; {@code done} completes when the batch commits. {@code
     * queuedAt} ({@link System#nanoTime}) starts its batch's gathering window.
     */
    record Pending(UUID nodeId, StatusReport report, CompletableFuture<Void> done, long queuedAt) {
        Pending(UUID nodeId, StatusReport report, CompletableFuture<Void> done) {
            this(nodeId, report, done, System.nanoTime());
        }
    }

    private final BlockingQueue<Pending> queue = new LinkedBlockingQueue<>(100_000);
    /** Only the loop's thread reads and writes it. */
    private int lastBatchSize;

    private final StatusRows rows;
    private final TargetProgress progress;
    private final DeploymentExecutor deployments;
    private final TransactionTemplate tx;
    private final DeliveryProperties properties;
    private final Clock clock;
    private final Timer flushTimer;
    private volatile Thread worker;
    private volatile boolean running;

    StatusIngestor(
            StatusRows rows,
            TargetProgress progress,
            DeploymentExecutor deployments,
            TransactionTemplate tx,
            DeliveryProperties properties,
            Clock clock,
            MeterRegistry meters) {
        this.rows = rows;
        this.progress = progress;
        this.deployments = deployments;
        this.tx = tx;
        this.properties = properties;
        this.clock = clock;
        this.flushTimer = Timer.builder("tide.status.flush")
                .description("One batch of agent status reports written to the database")
                .register(meters);
    }

    /** Queues a report; the future completes when it is committed. */
    CompletableFuture<Void> submit(UUID nodeId, StatusReport report) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        if (!queue.offer(new Pending(nodeId, report, done))) {
            done.completeExceptionally(io.grpc.Status.RESOURCE_EXHAUSTED
                    .withDescription("too many status reports queued; retry later")
                    .asRuntimeException());
        }
        return done;
    }

    private void loop() {
        while (running || !queue.isEmpty()) {
            try {
                Pending first = queue.poll(200, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                long deadline = gatherUntil(first, lastBatchSize);
                List<Pending> batch = new ArrayList<>();
                batch.add(first);
                while (batch.size() < MAX_BATCH) {
                    long left = deadline - System.nanoTime();
                    Pending next = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
                    if (next == null) {
                        break;
                    }
                    batch.add(next);
                }
                lastBatchSize = batch.size();
                flush(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Until when (nanoTime) a batch that starts with {@code first} gathers: its window runs from
     * the first report's arrival, not from when the loop takes it. Reports that came in while the
     * last batch was written have waited already; the next batch gathers while this one is
     * written rather than after it.
     */
    long gatherUntil(Pending first, int lastBatch) {
        return first.queuedAt() + window(lastBatch).toNanos();
    }

    /** How long a batch gathers, given the size of the one before it. */
    Duration window(int lastBatch) {
        Duration interval = properties.reportFlushInterval();
        return lastBatch >= BUSY_BATCH || interval.compareTo(QUIET_WINDOW) <= 0 ? interval : QUIET_WINDOW;
    }

    private void flush(List<Pending> batch) {
        Set<UUID> touched = new HashSet<>();
        try {
            flushTimer.record(() -> tx.executeWithoutResult(status -> touched.addAll(write(batch))));
        } catch (RuntimeException e) {
            if (DatabaseOutage.is(e)) {
                // Splitting would only hit the outage again: every report is refused now, and its agent
                // sends it again after a backoff (readiness reports the database down meanwhile).
                log.warn(
                        "Database unavailable; {} status report(s) refused for a retry: {}",
                        batch.size(),
                        e.getMessage());
                batch.forEach(p -> p.done()
                        .completeExceptionally(io.grpc.Status.UNAVAILABLE
                                .withDescription("database unavailable; status not stored; retry")
                                .asRuntimeException()));
                return;
            }
            if (batch.size() > 1) {
                // A data error: one bad report (e.g. its node was deleted meanwhile) must not sink the others.
                int half = batch.size() / 2;
                flush(batch.subList(0, half));
                flush(batch.subList(half, batch.size()));
                return;
            }
            log.warn(
                    "Could not write a status report of node {}: {}",
                    batch.get(0).nodeId(),
                    e.getMessage());
            batch.get(0)
                    .done()
                    .completeExceptionally(io.grpc.Status.UNAVAILABLE
                            .withDescription("status not stored; retry")
                            .asRuntimeException());
            return;
        }
        if (!touched.isEmpty()) {
            deployments.refresh(touched);
        }
        // After the rollout is nudged: each completion answers an agent (a reply, a push StatusAck) on this
        // thread, and a large batch's answers must not hold up the next wave.
        batch.forEach(p -> p.done().complete(null));
    }

    /**
     * Writes a batch in a constant number of statements, inside its transaction: the deployment
     * locks, the nodes' rows (locked in id order), one upsert of what they run, and the targets
     * their reports move. Returns the deployments in which a target finished.
     */
    Set<UUID> write(List<Pending> batch) {
        Instant now = clock.instant();
        List<UUID> nodeIds = batch.stream().map(Pending::nodeId).distinct().toList();
        // Deployments before nodes, the order the rollout takes them in.
        progress.lockDeploymentsOf(nodeIds);
        // One row per node and per node and application, the later report winning; the SQL orders them.
        Map<UUID, StatusRows.NodeRow> nodeRows = new HashMap<>();
        Map<NodeDesired.Key, StatusRows.ActualRow> actualRows = new HashMap<>();
        List<TargetProgress.NodeReport> reports = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            StatusReport r = p.report();
            nodeRows.merge(
                    p.nodeId(),
                    new StatusRows.NodeRow(
                            p.nodeId(),
                            r.getAppliedGeneration(),
                            DesiredStateMapper.mode(r.getMode()),
                            r.getAgentVersion().isBlank() ? null : r.getAgentVersion(),
                            now),
                    (older, newer) -> new StatusRows.NodeRow(
                            older.id(),
                            Math.max(older.appliedGeneration(), newer.appliedGeneration()),
                            newer.mode() != null ? newer.mode() : older.mode(),
                            newer.agentVersion() != null ? newer.agentVersion() : older.agentVersion(),
                            now));
            List<TargetProgress.AppState> apps = new ArrayList<>();
            Map<String, Event> lastEvents = lastRunningEvents(r);
            for (AppStatus s : r.getApplicationsList()) {
                UUID releaseId = uuid(s.getReleaseId()).orElse(null);
                Event last = lastEvents.get(s.getApplication());
                actualRows.merge(
                        new NodeDesired.Key(p.nodeId(), s.getApplication()),
                        new StatusRows.ActualRow(
                                p.nodeId(),
                                s.getApplication(),
                                releaseId,
                                s.getVersion(),
                                s.getState().name(),
                                truncate(s.getMessage()),
                                r.getAppliedGeneration(),
                                now,
                                uuid(s.getRunningReleaseId()).orElse(null),
                                s.getRunningVersion().isEmpty() ? null : s.getRunningVersion(),
                                last == null ? null : last.getType().name(),
                                last == null ? null : instant(last.getAt(), now),
                                last == null ? null : truncate(last.getMessage())),
                        (older, newer) -> newer.after(older));
                apps.add(new TargetProgress.AppState(
                        s.getApplication(), releaseId, s.getState().name(), s.getMessage()));
            }
            List<TargetProgress.Observation> events = new ArrayList<>();
            for (Event e : r.getEventsList()) {
                step(e).ifPresent(step -> events.add(new TargetProgress.Observation(
                        e.getApplication(),
                        e.getVersion(),
                        e.getGeneration(),
                        step,
                        instant(e.getAt(), now),
                        e.getMessage())));
            }
            reports.add(new TargetProgress.NodeReport(
                    p.nodeId(), r.getAppliedGeneration(), events, apps, DesiredStateMapper.mode(r.getMode())));
        }
        Set<UUID> present = rows.writeNodes(nodeRows.values()); // a node removed meanwhile is skipped
        rows.writeActual(actualRows.values().stream()
                .filter(a -> present.contains(a.node()))
                .toList());
        return progress.applyAll(
                reports.stream().filter(r -> present.contains(r.nodeId())).toList());
    }

    /**
     * Per application, the last event about its running process that no deployment waits for
     * (restarts, stops, drift): kept on its node_actual row so the API and console show it.
     */
    private static Map<String, Event> lastRunningEvents(StatusReport r) {
        Map<String, Event> last = new HashMap<>();
        for (Event e : r.getEventsList()) {
            if (RUNNING_EVENTS.contains(e.getType())) {
                last.put(e.getApplication(), e);
            }
        }
        return last;
    }

    private static String truncate(String message) {
        return message.length() <= 2000 ? message : message.substring(0, 1997) + "...";
    }

    /**
     * The deployment step an event is, if any. Events about a running application (RESTARTED,
     * APP_STOPPED, DRIFTED: the release stays the same) and types this control plane does not know
     * yet move no deployment target.
     */
    private static Optional<TargetProgress.Step> step(Event e) {
        return switch (e.getType()) {
            case DELIVERED -> Optional.of(TargetProgress.Step.DELIVERED);
            case APPLIED -> Optional.of(TargetProgress.Step.APPLIED);
            case BECAME_HEALTHY -> Optional.of(TargetProgress.Step.HEALTHY);
            case APPLY_FAILED -> Optional.of(TargetProgress.Step.FAILED);
            default -> Optional.empty();
        };
    }

    /** The agent's clock, but never in the future of ours (clocks drift). */
    private static Instant instant(Timestamp ts, Instant now) {
        if (ts.getSeconds() == 0 && ts.getNanos() == 0) {
            return now;
        }
        Instant at = Instant.ofEpochSecond(ts.getSeconds(), ts.getNanos());
        return at.isAfter(now) ? now : at;
    }

    private static Optional<UUID> uuid(String s) {
        try {
            return s.isEmpty() ? Optional.empty() : Optional.of(UUID.fromString(s));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Override
    public void start() {
        running = true;
        worker = new Thread(this::loop, "tide-status-ingestor");
        worker.setDaemon(true);
        worker.start();
    }

    @Override
    public void stop() {
        running = false;
        Thread t = worker;
        if (t != null) {
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
