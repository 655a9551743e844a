package dev.tide.agent.transport;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import dev.tide.agent.apply.Converger;
import dev.tide.proto.agent.v1.DesiredState;
import dev.tide.proto.agent.v1.GetDesiredStateRequest;
import dev.tide.proto.agent.v1.GetDesiredStateResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the control plane for the node's desired state on the schedule of the latest answer (see
 * {@link PollPlan}), applies what changed, and backs off with full jitter while the control plane
 * is unreachable, keeping what runs meanwhile. Like Nomad's client loop: the generation is the
 * index, a long-poll waits for it to move.
 *
 * <p>The loop owns no thread: every wait is a task on the agent's timer and every call is
 * asynchronous, so a parked long-poll costs a pending call, not a blocked thread, and thousands of
 * agents share a few threads.
 */
public final class PullLoop {
    private static final Logger log = LoggerFactory.getLogger(PullLoop.class);
    /** In PUSH mode (with a listener) the loop only wakes for a mode switch, or this often. */
    static final Duration IDLE_RECHECK = Duration.ofSeconds(60);
    /** A long-poll answered "unchanged" faster than this is not repeated at once. */
    static final Duration MIN_WATCH_ROUND = Duration.ofSeconds(1);
    /** Set while the loop applies a schedule it received itself (no wake-up for its own update). */
    private static final ThreadLocal<Boolean> OWN_UPDATE = ThreadLocal.withInitial(() -> false);

    /** Applies a desired state (on the agent's serial executor); completes with the outcome. */
    @FunctionalInterface
    public interface Applier {
        CompletionStage<Converger.Outcome> apply(DesiredState desired);
    }

    private final String nodeId;
    private final GatewayClient gateway;
    private final ScheduleState schedules;
    private final LongSupplier knownGeneration;
    private final Applier applier;
    private final ScheduledExecutorService timer;
    private final Backoff backoff;
    private final OutageLog outage = new OutageLog(log, "the control plane (desired state)");
    private final RandomGenerator random;
    private final Clock clock;
    private final boolean listening;
    private final Duration rpcTimeout;
    private volatile boolean pollNow = true;
    private volatile boolean polling;
    private boolean first = true;
    private volatile boolean stopped;
    /** Guarded by this: the wait in progress (null while a call or an apply runs). */
    private ScheduledFuture<?> waiting;

    private Runnable onWake;
    private boolean wakeRequested;

    public PullLoop(
            String nodeId,
            GatewayClient gateway,
            ScheduleState schedules,
            LongSupplier knownGeneration,
            Applier applier,
            ScheduledExecutorService timer,
            Backoff backoff,
            RandomGenerator random,
            Clock clock,
            boolean listening,
            Duration rpcTimeout) {
        this.nodeId = nodeId;
        this.gateway = gateway;
        this.schedules = schedules;
        this.knownGeneration = knownGeneration;
        this.applier = applier;
        this.timer = timer;
        this.backoff = backoff;
        this.random = random;
        this.clock = clock;
        this.listening = listening;
        this.rpcTimeout = rpcTimeout;
    }

    /** Plans the first round at once. */
    public void start() {
        schedule(Duration.ZERO, this::round);
    }

    /** A schedule arrived from elsewhere (a push session's SetMode): re-plan now. */
    public void scheduleChanged() {
        if (OWN_UPDATE.get()) {
            return;
        }
        Runnable wake;
        synchronized (this) {
            if (waiting == null || !waiting.cancel(false)) {
                wakeRequested = true; // a call or apply runs: its next wait is cut short
                return;
            }
            waiting = null;
            wake = onWake;
        }
        schedule(Duration.ZERO, wake);
    }

    /** True while the loop polls (not idle in PUSH mode). */
    public boolean isPolling() {
        return polling;
    }

    public void stop() {
        stopped = true;
        synchronized (this) {
            if (waiting != null) {
                waiting.cancel(false);
                waiting = null;
            }
        }
    }

    /** One round: plan, wait as planned, ask, apply. */
    private void round() {
        if (stopped) {
            return;
        }
        PollPlan plan = PollPlan.next(schedules.current(), listening, random, rpcTimeout);
        if (plan.idle()) {
            if (polling || first) {
                log.info("PUSH mode: not polling; waiting for the control plane's session");
            }
            first = false;
            polling = false;
            Runnable recheck = () -> {
                pollNow = true;
                round();
            };
            wait(IDLE_RECHECK, recheck, recheck);
            return;
        }
        if (!polling) {
            first = false;
            log.info(
                    "polling the control plane ({})",
                    plan.waitSeconds() > 0 ? "watch, wait " + plan.waitSeconds() + "s" : "interval");
        }
        polling = true;
        if (!pollNow && !plan.delay().isZero()) {
            wait(plan.delay(), () -> poll(plan), this::round); // a wake-up re-plans
            return;
        }
        if (consumeWake()) {
            schedule(Duration.ZERO, this::round);
            return;
        }
        poll(plan);
    }

    private void poll(PollPlan plan) {
        if (stopped) {
            return;
        }
        pollNow = false;
        Instant started = clock.instant();
        GetDesiredStateRequest request = GetDesiredStateRequest.newBuilder()
                .setNodeId(nodeId)
                .setKnownGeneration(knownGeneration.getAsLong())
                .setWaitSeconds(plan.waitSeconds())
                .setKnownScheduleVersion(schedules.current().getVersion())
                .build();
        Futures.addCallback(
                gateway.getDesiredStateAsync(request, plan.deadline()),
                new FutureCallback<>() {
                    @Override
                    public void onSuccess(GetDesiredStateResponse response) {
                        answered(plan, started, response);
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        failed(t);
                    }
                },
                MoreExecutors.directExecutor());
    }

    private void answered(PollPlan plan, Instant started, GetDesiredStateResponse response) {
        if (stopped) {
            return;
        }
        backoff.reset();
        outage.succeeded();
        OWN_UPDATE.set(true);
        try {
            schedules.update(response.getSchedule());
        } finally {
            OWN_UPDATE.set(false);
        }
        if (!response.getUnchanged() && response.hasState()) {
            CompletionStage<Converger.Outcome> applied;
            try {
                applied = applier.apply(response.getState());
            } catch (RejectedExecutionException e) {
                return; // the agent is stopping
            }
            applied.whenComplete((outcome, error) -> {
                if (error != null) {
                    log.error(
                            "applying generation {} failed", response.getState().getGeneration(), error);
                }
                if (error != null || outcome == Converger.Outcome.RETRY_LATER) {
                    retryLater(backoff.next());
                } else {
                    next(plan);
                }
            });
            return;
        }
        if (plan.waitSeconds() > 0 && Duration.between(started, clock.instant()).compareTo(MIN_WATCH_ROUND) < 0) {
            Runnable again = () -> next(plan);
            wait(MIN_WATCH_ROUND, again, again);
            return;
        }
        next(plan);
    }

    private void failed(Throwable t) {
        if (stopped) {
            return;
        }
        Status status = Status.fromThrowable(t);
        Duration wait = backoff.after(t);
        if (Backoff.pushback(t).isPresent()) {
            log.info(
                    "control plane busy ({}); it asked to come back in {}ms", status.getDescription(), wait.toMillis());
        } else if (t instanceof StatusRuntimeException e) {
            outage.failed(
                    "control plane unreachable ({}: {}); retry {} in {}ms",
                    status.getCode(),
                    Enroller.describe(e),
                    backoff.failures(),
                    wait.toMillis());
        } else {
            log.error("pull loop error; retry in {}ms", wait.toMillis(), t);
        }
        retryLater(wait);
    }

    private void retryLater(Duration wait) {
        Runnable again = () -> {
            pollNow = true;
            round();
        };
        wait(wait, again, again);
    }

    /** After a round: a watch asks again at once, an interval waits for the next plan. */
    private void next(PollPlan plan) {
        if (plan.waitSeconds() > 0) {
            pollNow = true;
        }
        schedule(Duration.ZERO, this::round);
    }

    /** Waits {@code delay}, then runs {@code then}; a schedule change cuts the wait short and runs {@code woken}. */
    private void wait(Duration delay, Runnable then, Runnable woken) {
        if (consumeWake()) {
            schedule(Duration.ZERO, woken);
            return;
        }
        synchronized (this) {
            if (stopped) {
                return;
            }
            onWake = woken;
            waiting = schedule(delay, () -> {
                synchronized (this) {
                    waiting = null;
                }
                then.run();
            });
        }
    }

    private synchronized boolean consumeWake() {
        boolean woken = wakeRequested;
        wakeRequested = false;
        return woken;
    }

    private ScheduledFuture<?> schedule(Duration delay, Runnable task) {
        if (stopped) {
            return null;
        }
        try {
            return timer.schedule(
                    () -> {
                        try {
                            task.run();
                        } catch (RuntimeException e) {
                            log.error("pull loop error", e);
                            retryLater(backoff.next());
                        }
                    },
                    delay.toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            return null; // the agent is stopping
        }
    }
}
