package dev.tide.agent.apply;

import dev.tide.agent.state.AppRecord;
import dev.tide.agent.state.EventLog;
import dev.tide.agent.state.LocalState;
import dev.tide.agent.state.NodeContext;
import dev.tide.agent.supervise.Supervisor;
import dev.tide.agent.supervise.Workload;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.EventType;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies one application's release: fetch, verify, unpack, config, stop old, switch {@code
 * current}, start, health check; on failure after the switch, puts the previous release back.
 * Runs on the agent's serial executor.
 */
final class ReleaseApplier {
    private static final Logger log = LoggerFactory.getLogger(ReleaseApplier.class);

    // Read by PeriodicCheck too, which restores releases with the same parts.
    final LocalState state;
    final EventLog events;
    final ReleasePreparer preparer;
    final Supervisor supervisor;
    final HealthChecker health;
    final AppPaths paths;
    final Duration grace;

    ReleaseApplier(
            LocalState state,
            EventLog events,
            ReleasePreparer preparer,
            Supervisor supervisor,
            HealthChecker health,
            AppPaths paths,
            Duration grace) {
        this.state = state;
        this.events = events;
        this.preparer = preparer;
        this.supervisor = supervisor;
        this.health = health;
        this.paths = paths;
        this.grace = grace;
    }

    /**
     * True when the release ends up running and healthy. Throws only a transient {@link
     * ApplyException} (try again later, nothing was changed); other failures are recorded.
     */
    boolean apply(long gen, AppRelease desired, NodeContext node, ArtifactSource source)
            throws ApplyException, InterruptedException {
        String app = desired.getApplication();
        AppRecord before = state.app(app);
        log.info("applying {}@{} (generation {})", app, desired.getVersion(), gen);
        state.updateApp(app, r -> r.withTarget(desired).withState(AppState.FETCHING, ""));
        events.add(gen, app, desired.getVersion(), EventType.DELIVERED, "");
        ResolvedRelease next;
        try {
            next = preparer.prepare(desired, node, source.fetch(desired));
        } catch (ApplyException e) {
            if (e.isTransient()) {
                state.updateApp(app, r -> before == AppRecord.EMPTY ? null : before);
                throw e;
            }
            failWithoutSwitch(gen, desired, e.getMessage());
            return false;
        }
        state.updateApp(app, r -> r.withState(AppState.STARTING, ""));
        Optional<String> failure = switchAndStart(next);
        if (failure.isEmpty()) {
            events.add(gen, app, desired.getVersion(), EventType.APPLIED, "");
            AppRelease previous = before.expectsProcess() ? before.release() : before.previous();
            state.updateApp(
                    app, r -> r.withReleases(desired, previous).withTarget(null).withState(AppState.HEALTHY, ""));
            events.add(gen, app, desired.getVersion(), EventType.BECAME_HEALTHY, "");
            log.info("{}@{} is healthy (generation {})", app, desired.getVersion(), gen);
            return true;
        }
        String reason = failure.get();
        log.warn("{}@{} failed: {}", app, desired.getVersion(), reason);
        events.add(gen, app, desired.getVersion(), EventType.APPLY_FAILED, reason);
        rollBack(gen, desired, before, node, reason);
        return false;
    }

    /** Nothing was switched: whatever ran before keeps running. */
    void failWithoutSwitch(long gen, AppRelease desired, String reason) {
        String app = desired.getApplication();
        log.warn("{}@{} not applied: {}", app, desired.getVersion(), reason);
        events.add(gen, app, desired.getVersion(), EventType.APPLY_FAILED, reason);
        state.updateApp(app, r -> {
            String note = r.expectsProcess() ? "; " + r.release().getVersion() + " keeps running" : "";
            return r.withTarget(desired).withState(AppState.FAILED, reason + note);
        });
    }

    /** Stops the old process, switches {@code current}, starts and checks; empty when healthy. */
    Optional<String> switchAndStart(ResolvedRelease next) throws InterruptedException {
        String app = next.release().getApplication();
        supervisor.stop(app, grace);
        Workload workload;
        try {
            CurrentLink.switchTo(paths.app(app), next.dir());
            workload = supervisor.start(next.spec());
        } catch (IOException e) {
            return Optional.of("cannot start " + next.spec().argv().get(0) + ": " + e.getMessage());
        }
        state.updateApp(app, r -> r.withProcess(workload.pid(), workload.startedAt()));
        log.info("started {}@{} as pid {}", app, next.release().getVersion(), workload.pid());
        HealthChecker.Result result = health.await(next.health(), next.dir(), workload);
        return result.healthy() ? Optional.empty() : Optional.of(result.message());
    }

    private void rollBack(long gen, AppRelease failed, AppRecord before, NodeContext node, String reason)
            throws InterruptedException {
        String app = failed.getApplication();
        supervisor.stop(app, grace);
        state.updateApp(app, r -> r.withProcess(0, null));
        AppRelease previous = before.expectsProcess() ? before.release() : null;
        if (previous == null) {
            removeCurrent(app);
            state.updateApp(app, r -> new AppRecord(null, null, failed, 0, null, AppState.FAILED, reason));
            return;
        }
        String version = previous.getVersion();
        Optional<String> problem;
        try {
            ResolvedRelease back = preparer.resolve(previous, node);
            problem = Files.isDirectory(back.dir())
                    ? switchAndStart(back)
                    : Optional.of("its folder " + back.dir() + " is gone");
        } catch (ApplyException e) {
            problem = Optional.of(e.getMessage());
        }
        String message = problem.isEmpty()
                ? reason + "; rolled back to " + version
                : reason + "; rollback to " + version + " failed: " + problem.get();
        events.add(gen, app, version, EventType.ROLLED_BACK, message);
        if (problem.isEmpty()) {
            log.info("{} rolled back to {}", app, version);
        } else {
            log.warn("{} rollback to {} failed: {}", app, version, problem.get());
        }
        state.updateApp(
                app,
                r -> new AppRecord(
                        previous, before.previous(), failed, r.pid(), r.startedAt(), AppState.FAILED, message));
    }

    private void removeCurrent(String app) {
        try {
            CurrentLink.remove(paths.app(app));
        } catch (IOException e) {
            log.warn("cannot remove {}: {}", paths.app(app).resolve("current"), e.toString());
        }
    }
}
