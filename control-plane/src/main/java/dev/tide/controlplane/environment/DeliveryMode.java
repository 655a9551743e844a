package dev.tide.controlplane.environment;

/** How an environment's nodes receive their desired state. */
public enum DeliveryMode {
    /** The control plane streams desired state and artifacts to each agent. */
    PUSH,
    /** Each agent fetches its desired state on its own schedule (interval or watch). */
    PULL
}
