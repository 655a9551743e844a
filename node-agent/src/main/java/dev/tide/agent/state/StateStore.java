package dev.tide.agent.state;

import java.io.IOException;

/** Persists the applied state. Files for a real agent; memory for a simulated one. */
public interface StateStore {
    /** The last saved state, or {@link AgentState#EMPTY}. */
    AgentState load() throws IOException;

    /** Replaces the saved state; readers never see a partial write. */
    void save(AgentState state) throws IOException;

    /** Where undelivered events are kept across restarts: nowhere unless the store says so. */
    default EventJournal events() {
        return EventJournal.NONE;
    }
}
