package dev.tide.agent.transport;

import dev.tide.agent.apply.Converger;
import dev.tide.proto.agent.v1.DesiredState;
import dev.tide.proto.agent.v1.GetDesiredStateRequest;
import dev.tide.proto.agent.v1.GetDesiredStateResponse;
import io.grpc.StatusRuntimeException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks the control plane for the node's desired state on the schedule of the latest answer (see
 * {@link PollPlan}), applies what changed, and backs off with full jitter while the control plane
 * is unreachable, keeping what runs meanwhile. Like Nomad's client loop: the generation is the
 * index, a long-poll waits for it to move.
 */
public final class PullLoop {
    private static final Logger log = LoggerFactory.getLogger(PullLoop.class);
    /** In PUSH mode (with a listener) the loop only wakes for a mode switch, or this often. */
    private static final Duration IDLE_RECHECK = Duration.ofSeconds(60);
    /** A long-poll answered "unchanged" faster than this is not repeated at once. */
    static final Duration MIN_WATCH_ROUND = Duration.ofSeconds(1);

    /** Applies a desired state (on the agent's serial executor) and waits for the outcome. */
    @FunctionalInterface
    public interface Applier {
        Converger.Outcome apply(DesiredState desired) throws InterruptedException;
    }

    private final String nodeId;
    private final GatewayClient gateway;
    private final ScheduleState schedules;
    private final LongSupplier knownGeneration;
    private final Applier applier;
    private final Sleeper sleeper;
    private final Backoff backoff;
    private final RandomGenerator random;
    private final Clock clock;
    private final boolean listening;
    private final Duration rpcTimeout;
    private volatile boolean pollNow = true;
    private volatile boolean polling;
    private boolean first = true;
    private volatile boolean stopped;
    private volatile Thread thread;

    public PullLoop(
            String nodeId,
            GatewayClient gateway,
            ScheduleState schedules,
            LongSupplier knownGeneration,
            Applier applier,
            Sleeper sleeper,
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
        this.sleeper = sleeper;
        this.backoff = backoff;
        this.random = random;
        this.clock = clock;
        this.listening = listening;
        this.rpcTimeout = rpcTimeout;
    }

    public void start(String threadName) {
        Thread t = new Thread(this::run, threadName);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** A schedule arrived from elsewhere (a push session's SetMode): re-plan now. */
    public void scheduleChanged() {
        if (Thread.currentThread() != thread) {
            sleeper.wake();
        }
    }

    /** True while the loop polls (not idle in PUSH mode). */
    public boolean isPolling() {
        return polling;
    }

    public void stop() {
        stopped = true;
        sleeper.wake();
        Thread t = thread;
        if (t != null) {
            t.interrupt();
            try {
                t.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        while (!stopped) {
            try {
                step();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.error("pull loop error", e);
                try {
                    sleeper.sleep(backoff.next());
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    /** One round: wait as planned, ask, apply. */
    void step() throws InterruptedException {
        PollPlan plan = PollPlan.next(schedules.current(), listening, random, rpcTimeout);
        if (plan.idle()) {
            if (polling || first) {
                log.info("PUSH mode: not polling; waiting for the control plane's session");
            }
            first = false;
            polling = false;
            sleeper.sleep(IDLE_RECHECK);
            pollNow = true;
            return;
        }
        if (!polling) {
            first = false;
            log.info(
                    "polling the control plane ({})",
                    plan.waitSeconds() > 0 ? "watch, wait " + plan.waitSeconds() + "s" : "interval");
        }
        polling = true;
        if (!pollNow && sleeper.sleep(plan.delay())) {
            return; // woken by a schedule change: plan again
        }
        pollNow = false;
        Instant started = clock.instant();
        GetDesiredStateResponse response;
        try {
            response = gateway.getDesiredState(
                    GetDesiredStateRequest.newBuilder()
                            .setNodeId(nodeId)
                            .setKnownGeneration(knownGeneration.getAsLong())
                            .setWaitSeconds(plan.waitSeconds())
                            .build(),
                    plan.deadline());
        } catch (StatusRuntimeException e) {
            if (stopped) {
                return;
            }
            Duration wait = backoff.next();
            log.warn(
                    "control plane unreachable ({}: {}); retry {} in {}ms",
                    e.getStatus().getCode(),
                    Enroller.describe(e),
                    backoff.failures(),
                    wait.toMillis());
            sleeper.sleep(wait);
            pollNow = true;
            return;
        }
        backoff.reset();
        schedules.update(response.getSchedule());
        if (!response.getUnchanged() && response.hasState()) {
            if (applier.apply(response.getState()) == Converger.Outcome.RETRY_LATER) {
                sleeper.sleep(backoff.next());
                pollNow = true;
            }
        } else if (plan.waitSeconds() > 0
                && Duration.between(started, clock.instant()).compareTo(MIN_WATCH_ROUND) < 0) {
            sleeper.sleep(MIN_WATCH_ROUND);
        }
        if (plan.waitSeconds() > 0) {
            pollNow = true;
        }
    }
}
