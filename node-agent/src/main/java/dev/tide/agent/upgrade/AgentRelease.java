package dev.tide.agent.upgrade;

/**
 * The agent itself as an application: a release of {@value #APPLICATION} carries a new agent jar.
 * The agent does not start it as a process; it stages the jar and restarts into it (see {@link
 * UpgradeFiles}). Its "healthy" is the new agent reaching the control plane.
 */
public final class AgentRelease {
    /** The reserved application name. */
    public static final String APPLICATION = "tide-agent";

    private AgentRelease() {}

    public static boolean is(String application) {
        return APPLICATION.equals(application);
    }
}
