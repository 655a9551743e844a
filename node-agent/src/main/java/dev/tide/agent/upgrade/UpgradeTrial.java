package dev.tide.agent.upgrade;

import dev.tide.agent.state.EventLog;
import dev.tide.agent.state.LocalState;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.EventType;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a start of the agent finds in the upgrade folder, and what it does about it:
 *
 * <ul>
 *   <li>a trial of this very version: this is the new agent. It keeps the upgrade once it reached
 *       the control plane ({@link #contact()}), and reports {@code BECAME_HEALTHY}; if the deadline
 *       passes first, it reverts and restarts into the old jar.
 *   <li>a revert: this is the old agent again, after the new one failed. It reports {@code
 *       APPLY_FAILED} with the reason, and keeps running.
 * </ul>
 */
public final class UpgradeTrial {
    private static final Logger log = LoggerFactory.getLogger(UpgradeTrial.class);

    private final UpgradeFiles files;
    private final LocalState state;
    private final EventLog events;
    private final String runningVersion;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final Runnable restart;
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile UpgradeFiles.Trial pending;
    private volatile ScheduledFuture<?> watchdog;

    /**
     * @param restart stops the agent with {@link UpgradeFiles#RESTART_EXIT_CODE}, so that the launcher
     *     starts the jar {@code launch} names
     */
    public UpgradeTrial(
            UpgradeFiles files,
            LocalState state,
            EventLog events,
            String runningVersion,
            Clock clock,
            ScheduledExecutorService timer,
            Runnable restart) {
        this.files = files;
        this.state = state;
        this.events = events;
        this.runningVersion = runningVersion;
        this.clock = clock;
        this.timer = timer;
        this.restart = restart;
    }

    /** At start, before the first report. */
    public void start() {
        try {
            Optional<UpgradeFiles.Trial> trial = files.trial();
            if (trial.isPresent() && !trial.get().version().equals(runningVersion)) {
                // the launcher did not start the new jar (or this agent runs without it)
                files.revert(
                        trial.get(),
                        "agent " + trial.get().version() + " never started; " + runningVersion
                                + " started instead (is the agent run by the tide-agent launcher?)");
                trial = Optional.empty();
            }
            Optional<UpgradeFiles.Trial> reverted = files.reverted();
            if (reverted.isPresent()) {
                reportRevert(reverted.get());
            }
            if (trial.isPresent()) {
                onTrial(trial.get());
            }
        } catch (IOException e) {
            log.warn("cannot read the upgrade folder {}: {}", files.dir(), e.toString());
        }
    }

    /** The agent reached the control plane: an upgrade on trial is kept. Cheap to call often. */
    public void contact() {
        UpgradeFiles.Trial trial = pending;
        if (trial == null || !settled.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> w = watchdog;
        if (w != null) {
            w.cancel(false);
        }
        try {
            files.commit();
        } catch (IOException e) {
            log.warn("cannot clean up after the upgrade to {}: {}", trial.version(), e.toString());
        }
        state.updateApp(
                AgentRelease.APPLICATION,
                r -> r.withReleases(r.target() != null ? r.target() : r.release(), r.release())
                        .withTarget(null)
                        .withState(AppState.HEALTHY, ""));
        events.add(
                trial.generation(),
                AgentRelease.APPLICATION,
                trial.version(),
                EventType.BECAME_HEALTHY,
                "agent " + trial.version() + " reached the control plane");
        log.info("upgrade to agent {} kept: it reached the control plane", trial.version());
    }

    private void onTrial(UpgradeFiles.Trial trial) {
        pending = trial;
        Duration left = Duration.between(clock.instant(), trial.deadline());
        log.info(
                "agent {} on trial: it reverts unless it reaches the control plane within {}s",
                trial.version(),
                Math.max(0, left.toSeconds()));
        watchdog = timer.schedule(this::expire, Math.max(0, left.toMillis()), TimeUnit.MILLISECONDS);
    }

    private void expire() {
        UpgradeFiles.Trial trial = pending;
        if (!settled.compareAndSet(false, true)) {
            return;
        }
        String reason = "agent " + trial.version() + " did not reach the control plane by its deadline "
                + trial.deadline() + "; reverted";
        log.warn(reason);
        try {
            files.revert(trial, reason);
        } catch (IOException e) {
            log.error("cannot revert the upgrade to {}: {}", trial.version(), e.toString());
            return;
        }
        restart.run();
    }

    private void reportRevert(UpgradeFiles.Trial reverted) throws IOException {
        String reason = reverted.reason() == null ? "reverted" : reverted.reason();
        log.warn("the upgrade to agent {} was reverted: {}", reverted.version(), reason);
        events.add(reverted.generation(), AgentRelease.APPLICATION, reverted.version(), EventType.APPLY_FAILED, reason);
        state.updateApp(
                AgentRelease.APPLICATION,
                r -> r.withState(AppState.FAILED, reason + "; agent " + runningVersion + " keeps running"));
        files.clearReverted();
    }
}
