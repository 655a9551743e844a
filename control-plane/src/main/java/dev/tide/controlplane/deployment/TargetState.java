package dev.tide.controlplane.deployment;

/** Lifecycle of one node x application of a deployment. */
public enum TargetState {
    /** Not yet released to the node (waiting for its wave or its dependencies). */
    PENDING,
    /** The node's desired state now holds the release. */
    DESIRED,
    /** The agent has received it. */
    DELIVERED,
    /** The agent has started it; health check running. */
    APPLIED,
    HEALTHY,
    FAILED,
    /** Not started because the deployment stopped. */
    SKIPPED,
    /** The node's desired state holds the previous release again; waiting for the agent. */
    REVERTING,
    /** The previous release was put back and is healthy (or the application was removed). */
    ROLLED_BACK;

    public boolean isTerminal() {
        return this == HEALTHY || this == FAILED || this == SKIPPED || this == ROLLED_BACK;
    }
}
