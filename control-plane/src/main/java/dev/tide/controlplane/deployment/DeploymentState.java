package dev.tide.controlplane.deployment;

/** Lifecycle of a deployment. */
public enum DeploymentState {
    PENDING,
    RUNNING,
    PAUSED,
    SUCCEEDED,
    FAILED,
    CANCELLED,
    ROLLING_BACK,
    ROLLED_BACK;

    public boolean isFinished() {
        return this == SUCCEEDED || this == FAILED || this == CANCELLED || this == ROLLED_BACK;
    }
}
