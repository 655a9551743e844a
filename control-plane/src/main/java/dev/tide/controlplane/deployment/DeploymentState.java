package dev.tide.controlplane.deployment;

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
}
