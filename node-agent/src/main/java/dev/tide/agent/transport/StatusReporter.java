package dev.tide.agent.transport;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import dev.tide.agent.AgentVersion;
import dev.tide.agent.state.AgentState;
import dev.tide.agent.state.EventLog;
import dev.tide.agent.state.LocalState;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.EventType;
import dev.tide.proto.agent.v1.ReportStatusResponse;
import dev.tide.proto.agent.v1.StatusReport;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends status reports when the state changes or events happen, batched over a short delay (an
 * event that settles a rollout's target, healthy, failed or rolled back, goes out at once): on
 * the push session when one is open, otherwise with ReportStatus while the agent pulls. Events
 * stay queued until a report carrying them was sent, so a dropped session or an unreachable
 * control plane loses nothing (within the event log's capacity).
 */
public final class StatusReporter {
    private static final Logger log = LoggerFactory.getLogger(StatusReporter.class);

    private final Supplier<String> nodeId;
    private final LocalState state;
    private final EventLog events;
    private final ScheduleState schedules;
    private final GatewayClient gateway;
    private final ScheduledExecutorService scheduler;
    private final Backoff backoff;
    private final OutageLog outage = new OutageLog(log, "the control plane (status reports)");
    private final boolean listening;
    private final Duration batchDelay;
    private final Object sendLock = new Object();
    /** Guarded by sendLock: the session's report numbers, and the last event each one carried. */
    private final java.util.NavigableMap<Long, Long> unacked = new java.util.TreeMap<>();

    private long reportSeq;
    private long sentUpTo;
    private PushSession session;
    private boolean dirty;
    private boolean scheduled;
    private boolean inFlight;
    private boolean urgent;
    private volatile Runnable contact = () -> {};

    public StatusReporter(
            Supplier<String> nodeId,
            LocalState state,
            EventLog events,
            ScheduleState schedules,
            GatewayClient gateway,
            ScheduledExecutorService scheduler,
            Backoff backoff,
            boolean listening,
            Duration batchDelay) {
        this.nodeId = nodeId;
        this.state = state;
        this.events = events;
        this.schedules = schedules;
        this.gateway = gateway;
        this.scheduler = scheduler;
        this.backoff = backoff;
        this.listening = listening;
        this.batchDelay = batchDelay;
    }

    /**
     * Called whenever the control plane answered: a report was accepted in pull, or a push session
     * was opened (which takes mutual TLS both ways).
     */
    public void onContact(Runnable listener) {
        contact = listener;
    }

    /** Sends what is pending now and waits, at most {@code limit}, until it was delivered. */
    public boolean drain(Duration limit) throws InterruptedException {
        reportNow();
        return events.awaitDelivered(limit);
    }

    public void start() {
        state.onChange(this::markDirty);
        events.onChange(type -> {
            if (settlesTarget(type)) {
                reportNow();
            } else {
                markDirty();
            }
        });
        schedules.onChange(this::markDirty);
        markDirty();
    }

    public void markDirty() {
        synchronized (this) {
            dirty = true;
            if (scheduled || inFlight) {
                return;
            }
            scheduled = true;
        }
        schedule(batchDelay);
    }

    /** The events a rollout waits for: batching them would only delay the next wave. */
    static boolean settlesTarget(EventType type) {
        return type == EventType.BECAME_HEALTHY || type == EventType.APPLY_FAILED || type == EventType.ROLLED_BACK;
    }

    /**
     * Sends what is pending without the batching delay; a report in flight is followed at once.
     * A batched flush still scheduled finds nothing left to send.
     */
    public void reportNow() {
        synchronized (this) {
            dirty = true;
            urgent = true;
            if (inFlight) {
                return;
            }
            scheduled = true;
        }
        schedule(Duration.ZERO);
    }

    /** A push session opened: report to it right away (after its Hello). */
    void attach(PushSession newSession) {
        synchronized (this) {
            session = newSession;
        }
        synchronized (sendLock) {
            // what the last session was sent but did not acknowledge goes out again on this one
            sentUpTo = 0;
            unacked.clear();
        }
        contact.run();
        sendTo(newSession);
    }

    /** The control plane stored the session's reports up to {@code reportSeq}: their events are done. */
    void acknowledged(long reportSeq) {
        long upTo;
        synchronized (sendLock) {
            var done = unacked.headMap(reportSeq, true);
            if (done.isEmpty()) {
                return;
            }
            upTo = done.lastEntry().getValue();
            done.clear();
        }
        if (upTo > 0) {
            events.ack(upTo);
        }
    }

    void detach(PushSession ended) {
        synchronized (this) {
            if (session == ended) {
                session = null;
            }
        }
    }

    /**
     * Sends a report on the session now, with the events not yet sent on it; true when it went out.
     * Its events stay queued until the control plane acknowledges the report as stored.
     */
    boolean sendTo(PushSession target) {
        synchronized (sendLock) {
            EventLog.Pending pending = events.pendingAfter(sentUpTo);
            long seq = ++reportSeq;
            StatusReport report = report(pending).setReportSeq(seq).build();
            if (!target.sendStatus(report)) {
                return false;
            }
            sentUpTo = Math.max(sentUpTo, pending.lastSeq());
            unacked.put(seq, sentUpTo);
            return true;
        }
    }

    /**
     * Reports to the control plane directly, with the push endpoint, whatever the mode; events stay
     * queued for the next ordinary report ({@link CheckIn}). The answer's schedule is followed.
     */
    void checkIn(String pushEndpoint) {
        StatusReport report = report(new EventLog.Pending(0, java.util.List.of()))
                .setPushEndpoint(pushEndpoint)
                .build();
        Futures.addCallback(
                gateway.reportStatus(report),
                new FutureCallback<ReportStatusResponse>() {
                    @Override
                    public void onSuccess(ReportStatusResponse response) {
                        contact.run();
                        schedules.update(response.getSchedule());
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        log.warn(
                                "check-in with the control plane failed ({}); trying again at the next one",
                                t.getMessage());
                    }
                },
                MoreExecutors.directExecutor());
    }

    public StatusReport currentReport() {
        return report(events.pending()).build();
    }

    private void flush() {
        PushSession target;
        synchronized (this) {
            scheduled = false;
            if (!dirty || inFlight) {
                return; // nothing new, or the report in flight is followed by one when it ends
            }
            target = session;
            if (target == null && schedules.mode() == DeliveryMode.PUSH && listening) {
                return; // kept (dirty) for the next session
            }
            dirty = false;
            urgent = false;
            // Claimed in the same step as the check: two reports in flight at once could arrive
            // in the wrong order and leave the older one as the node's latest status.
            inFlight = target == null;
        }
        if (target != null) {
            if (!sendTo(target)) {
                markPending();
            }
            return;
        }
        EventLog.Pending pending = events.pending();
        Futures.addCallback(
                gateway.reportStatus(report(pending).build()),
                new FutureCallback<ReportStatusResponse>() {
                    @Override
                    public void onSuccess(ReportStatusResponse response) {
                        events.ack(pending.lastSeq());
                        contact.run();
                        backoff.reset();
                        outage.succeeded();
                        finished(null);
                        schedules.update(response.getSchedule());
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        Duration retry = backoff.after(t);
                        if (Backoff.pushback(t).isPresent()) {
                            log.info(
                                    "control plane busy; status report sent again in {}ms, as it asked",
                                    retry.toMillis());
                        } else {
                            outage.failed(
                                    "status report not delivered ({}); retry in {}ms",
                                    t.getMessage(),
                                    retry.toMillis());
                        }
                        markPending();
                        finished(retry);
                    }
                },
                MoreExecutors.directExecutor());
    }

    private synchronized void markPending() {
        dirty = true;
    }

    private void finished(Duration retry) {
        Duration next;
        synchronized (this) {
            inFlight = false;
            if (!dirty || scheduled) {
                return;
            }
            scheduled = true;
            next = retry != null ? retry : urgent ? Duration.ZERO : batchDelay;
        }
        schedule(next);
    }

    private void schedule(Duration delay) {
        try {
            scheduler.schedule(this::flush, delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // shutting down
        }
    }

    private StatusReport.Builder report(EventLog.Pending pending) {
        AgentState current = state.current();
        StatusReport.Builder report = StatusReport.newBuilder()
                .setNodeId(nodeId.get())
                .setAppliedGeneration(current.appliedGeneration())
                .setMode(schedules.mode())
                .setAgentVersion(AgentVersion.get())
                .addAllEvents(pending.events());
        current.apps().forEach((app, record) -> report.addApplications(record.toStatus(app)));
        return report;
    }
}
