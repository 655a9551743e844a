package dev.tide.controlplane.deployment;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * Lifecycle of a deployment.
 *
 * <pre>
 * PENDING → RUNNING ⇄ PAUSED
 * RUNNING/PAUSED → CANCELLING → CANCELLED          (manual cancel: in-flight targets finish)
 * RUNNING → SUCCEEDED | FAILED                      (FAILED: threshold passed, no auto-rollback)
 * RUNNING/PAUSED/CANCELLING → ROLLING_BACK → ROLLED_BACK | FAILED
 * SUCCEEDED/FAILED/CANCELLED → ROLLING_BACK          (manual rollback of a finished deployment)
 * </pre>
 */
public enum DeploymentState {
    PENDING,
    RUNNING,
    PAUSED,
    CANCELLING,
    SUCCEEDED,
    FAILED,
    CANCELLED,
    ROLLING_BACK,
    ROLLED_BACK;

    public boolean isFinished() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED || this == ROLLED_BACK;
    }

    /**
     * Not finished: the orchestrator still drives it, and its nodes and applications are claimed
     * (another deployment touching them is refused).
     */
    public static final Set<DeploymentState> ACTIVE =
            Collections.unmodifiableSet(EnumSet.of(PENDING, RUNNING, PAUSED, CANCELLING, ROLLING_BACK));

    /** States an operator may pause from. */
    public static final Set<DeploymentState> PAUSABLE = Collections.unmodifiableSet(EnumSet.of(PENDING, RUNNING));

    /** States an operator may resume from. */
    public static final Set<DeploymentState> RESUMABLE = Collections.unmodifiableSet(EnumSet.of(PAUSED));

    /** States an operator may cancel from. */
    public static final Set<DeploymentState> CANCELLABLE =
            Collections.unmodifiableSet(EnumSet.of(PENDING, RUNNING, PAUSED));

    /**
     * States an operator may roll back from (a finished rollback may still be refused when a
     * later deployment changed the same nodes).
     */
    public static final Set<DeploymentState> ROLLBACKABLE =
            Collections.unmodifiableSet(EnumSet.of(PENDING, RUNNING, PAUSED, CANCELLING, SUCCEEDED, FAILED, CANCELLED));

    public boolean canPause() {
        return PAUSABLE.contains(this);
    }

    public boolean canResume() {
        return RESUMABLE.contains(this);
    }

    public boolean canCancel() {
        return CANCELLABLE.contains(this);
    }

    public boolean canRollback() {
        return ROLLBACKABLE.contains(this);
    }
}
