package dev.tide.agent.apply;

import dev.tide.agent.state.AppRecord;
import dev.tide.agent.state.EventLog;
import dev.tide.agent.state.LocalState;
import dev.tide.agent.supervise.Orphans;
import dev.tide.agent.supervise.Supervisor;
import dev.tide.agent.supervise.Workload;
import dev.tide.agent.supervise.WorkloadRuntime;
import dev.tide.agent.upgrade.AgentRelease;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.EventType;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * After an agent restart, takes the recorded processes back under supervision: a process still
 * running with the recorded pid and start instant is re-adopted, not restarted; one that is gone
 * (host reboot) is started again. An apply the restart interrupted is undone; the generation was
 * not recorded, so the next desired state applies it again. Last, processes this data dir's agent
 * started but has no record of (the data dir was wiped, or an agent was killed before it recorded a
 * pid) are stopped, so they hold no port the apps about to start need ({@link Orphans}).
 */
public final class Readopter {
    private static final Logger log = LoggerFactory.getLogger(Readopter.class);

    private final LocalState state;
    private final EventLog events;
    private final ReleasePreparer preparer;
    private final Supervisor supervisor;
    private final WorkloadRuntime runtime;
    private final RestartHandler restarts;
    private final Duration grace;
    private final Path dataDir;

    public Readopter(
            LocalState state,
            EventLog events,
            ReleasePreparer preparer,
            Supervisor supervisor,
            WorkloadRuntime runtime,
            RestartHandler restarts,
            Duration grace,
            Path dataDir) {
        this.state = state;
        this.events = events;
        this.preparer = preparer;
        this.supervisor = supervisor;
        this.runtime = runtime;
        this.restarts = restarts;
        this.grace = grace;
        this.dataDir = dataDir;
    }

    /** Must run on the agent's serial executor. */
    public void run() throws InterruptedException {
        for (Map.Entry<String, AppRecord> e : state.current().apps().entrySet()) {
            String app = e.getKey();
            AppRecord record = e.getValue();
            if (AgentRelease.is(app)) {
                continue; // the agent itself: UpgradeTrial settles an upgrade that restarted it
            }
            boolean interrupted = record.state() == AppState.FETCHING || record.state() == AppState.STARTING;
            Optional<Workload> running = runtime.adopt(record.pid(), record.startedAt());
            if (record.state() == AppState.STARTING && running.isPresent()) {
                running.get().stop(grace); // a half-started new release: start over
                running = Optional.empty();
            }
            if (interrupted) {
                state.updateApp(
                        app,
                        r -> r.release() == null
                                ? null
                                : r.withTarget(null)
                                        .withState(AppState.UNHEALTHY, "apply interrupted by an agent restart"));
            }
            if (record.release() != null && (record.expectsProcess() || interrupted)) {
                resume(app, state.app(app), running, interrupted);
            }
        }
        stopOrphans();
    }

    /** Stops every process marked as this data dir's that is not supervised now; reports each. */
    private void stopOrphans() throws InterruptedException {
        Optional<Orphans> orphans = runtime.orphans();
        if (orphans.isEmpty()) {
            return;
        }
        List<Orphans.Orphan> found = orphans.get().find(dataDir, supervisor.pids());
        for (Orphans.Orphan o : orphans.get().stop(found, grace)) {
            String app = o.app() == null ? "" : o.app();
            String version = o.version() == null ? "" : o.version();
            String why = "stopped pid " + o.pid() + " (" + app + "@" + version
                    + "): started by this data dir's agent, which has no record of it (data dir wiped, or an"
                    + " agent killed before it recorded the pid)";
            log.warn(why);
            if (!app.isEmpty() && !AgentRelease.is(app)) {
                events.add(state.appliedGeneration(), app, version, EventType.APP_STOPPED, why);
            }
        }
    }

    private void resume(String app, AppRecord record, Optional<Workload> running, boolean check)
            throws InterruptedException {
        ResolvedRelease resolved;
        try {
            resolved = preparer.resolve(record.release(), state.current().node());
        } catch (ApplyException ex) {
            log.warn("cannot resume {}: {}", app, ex.getMessage());
            return;
        }
        if (running.isPresent()) {
            supervisor.adopt(resolved.spec(), running.get());
            log.info(
                    "re-adopted {}@{} (pid {})",
                    app,
                    record.release().getVersion(),
                    running.get().pid());
            if (check) {
                restarts.checkHealth(app, running.get());
            }
            return;
        }
        try {
            Workload workload = supervisor.start(resolved.spec());
            log.info(
                    "{}@{} was not running; started it as pid {}",
                    app,
                    record.release().getVersion(),
                    workload.pid());
            state.updateApp(app, r -> r.withProcess(workload.pid(), workload.startedAt()));
            events.add(
                    state.appliedGeneration(),
                    app,
                    record.release().getVersion(),
                    EventType.RESTARTED,
                    "started again after an agent restart");
            restarts.checkHealth(app, workload);
        } catch (IOException ex) {
            log.warn("cannot start {}: {}", app, ex.toString());
            state.updateApp(
                    app,
                    r -> r.withProcess(0, null)
                            .withState(
                                    r.target() == null ? AppState.UNHEALTHY : r.state(),
                                    "cannot start: " + ex.getMessage()));
        }
    }
}
