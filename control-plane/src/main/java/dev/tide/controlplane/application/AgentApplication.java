package dev.tide.controlplane.application;

/**
 * The reserved application {@value #NAME}: its releases are agent jars, and deploying one upgrades
 * the agents of an environment in waves like any release (docs/agent-upgrades.md). An agent stages
 * the jar and restarts into it; it counts as healthy once the new agent reached the control plane,
 * and reverts to the old jar when it does not. So its releases carry no start command, health
 * check, environment, files or user, and nothing depends on it.
 */
public final class AgentApplication {
    /** The same name the agent recognises (dev.tide.agent.upgrade.AgentRelease). */
    public static final String NAME = "tide-agent";

    private AgentApplication() {}

    public static boolean is(String application) {
        return NAME.equals(application);
    }
}
