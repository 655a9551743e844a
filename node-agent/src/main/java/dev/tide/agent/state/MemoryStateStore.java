package dev.tide.agent.state;

/** Keeps the state in memory only: for simulated agents that share one JVM. */
public final class MemoryStateStore implements StateStore {
    private volatile AgentState state = AgentState.EMPTY;

    @Override
    public AgentState load() {
        return state;
    }

    @Override
    public void save(AgentState newState) {
        state = newState;
    }
}
