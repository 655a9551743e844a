package dev.tide.agent.apply;

import dev.tide.agent.state.AppRecord;
import dev.tide.agent.state.EventLog;
import dev.tide.agent.state.LocalState;
import dev.tide.agent.supervise.Supervisor;
import dev.tide.agent.supervise.Workload;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.EventType;
import java.time.Duration;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records what the supervisor does: a crashed process makes the application UNHEALTHY, its
 * restart is reported as RESTARTED (with the failed check when the agent restarted a hung one,
 * {@link PeriodicCheck}) and a passing health check makes it HEALTHY again. An
 * application whose last apply failed stays FAILED (that is about the release, not the process).
 */
public final class RestartHandler implements Supervisor.Listener {
    private static final Logger log = LoggerFactory.getLogger(RestartHandler.class);

    private final LocalState state;
    private final EventLog events;
    private final ReleasePreparer preparer;
    private final HealthChecker health;

    public RestartHandler(LocalState state, EventLog events, ReleasePreparer preparer, HealthChecker health) {
        this.state = state;
        this.events = events;
        this.preparer = preparer;
        this.health = health;
    }

    @Override
    public void exited(String app, OptionalInt exitCode, Duration restartIn, String cause) {
        String code = exitCode.isPresent() ? " with code " + exitCode.getAsInt() : "";
        String why = cause.isEmpty() ? "process exited" + code : cause;
        String message = why + "; restarting in " + restartIn.toMillis() + "ms";
        log.warn("{}: {}", app, message);
        state.updateApp(app, r -> unhealthy(r.withProcess(0, null), message));
    }

    @Override
    public void restarted(String app, Workload workload, String cause) {
        AppRecord record = state.app(app);
        String version = record.release() == null ? "" : record.release().getVersion();
        log.info("restarted {}@{} as pid {}", app, version, workload.pid());
        state.updateApp(app, r -> r.withProcess(workload.pid(), workload.startedAt()));
        String message = cause.isEmpty() ? "process restarted after it exited" : "process restarted: " + cause;
        events.add(state.appliedGeneration(), app, version, EventType.RESTARTED, message);
        checkHealth(app, workload);
    }

    @Override
    public void restartFailed(String app, String reason, Duration retryIn) {
        String message = "restart failed: " + reason + "; retrying in " + retryIn.toMillis() + "ms";
        log.warn("{}: {}", app, message);
        state.updateApp(app, r -> unhealthy(r, message));
    }

    /** Runs the release's health check and records HEALTHY or UNHEALTHY. */
    void checkHealth(String app, Workload workload) {
        AppRecord record = state.app(app);
        if (record.release() == null) {
            return;
        }
        try {
            ResolvedRelease resolved =
                    preparer.resolve(record.release(), state.current().node());
            HealthChecker.Result result = health.await(resolved.health(), resolved.dir(), workload);
            if (result.healthy()) {
                log.info("{}@{} is healthy again", app, record.release().getVersion());
                state.updateApp(app, r -> r.target() == null ? r.withState(AppState.HEALTHY, "") : r);
            } else {
                state.updateApp(app, r -> unhealthy(r, result.message()));
            }
        } catch (ApplyException e) {
            state.updateApp(app, r -> unhealthy(r, e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static AppRecord unhealthy(AppRecord r, String message) {
        return r.target() == null ? r.withState(AppState.UNHEALTHY, message) : r;
    }
}
