package dev.tide.agent.state;

import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.AppStatus;
import java.time.Instant;

/**
 * What the agent knows about one application on this node.
 *
 * @param release the release last started, whose process is running or supervised (null: none)
 * @param previous the release before it, the rollback target (null: none)
 * @param target the release being applied now, or the one that failed to apply (null: none)
 * @param pid the running process, 0 if none
 * @param startedAt the process start instant, to recognise the same process after a restart
 * @param state lifecycle state as reported
 * @param message human-readable detail for the state
 */
public record AppRecord(
        AppRelease release,
        AppRelease previous,
        AppRelease target,
        long pid,
        Instant startedAt,
        AppState state,
        String message) {

    public static final AppRecord EMPTY = new AppRecord(null, null, null, 0, null, AppState.PENDING, "");

    public AppRecord {
        message = message == null ? "" : message;
        state = state == null ? AppState.PENDING : state;
    }

    public AppRecord withState(AppState newState, String newMessage) {
        return new AppRecord(release, previous, target, pid, startedAt, newState, newMessage);
    }

    public AppRecord withTarget(AppRelease newTarget) {
        return new AppRecord(release, previous, newTarget, pid, startedAt, state, message);
    }

    public AppRecord withProcess(long newPid, Instant newStartedAt) {
        return new AppRecord(release, previous, target, newPid, newStartedAt, state, message);
    }

    public AppRecord withReleases(AppRelease newRelease, AppRelease newPrevious) {
        return new AppRecord(newRelease, newPrevious, target, pid, startedAt, state, message);
    }

    /** True when a process of {@link #release} is expected to be running. */
    public boolean expectsProcess() {
        return release != null
                && (state == AppState.HEALTHY
                        || state == AppState.UNHEALTHY
                        || state == AppState.STARTING
                        || state == AppState.FETCHING
                        || (state == AppState.FAILED && pid != 0));
    }

    /**
     * The status line reported to the control plane: the release being applied (or that failed)
     * when there is one, otherwise the running one; and the running one on its own fields.
     */
    public AppStatus toStatus(String application) {
        AppRelease shown = target != null ? target : release;
        AppStatus.Builder b = AppStatus.newBuilder()
                .setApplication(application)
                .setState(state)
                .setMessage(message);
        if (shown != null) {
            b.setVersion(shown.getVersion()).setReleaseId(shown.getReleaseId());
        }
        if (release != null && expectsProcess()) {
            b.setRunningVersion(release.getVersion()).setRunningReleaseId(release.getReleaseId());
        }
        return b.build();
    }
}
