package dev.tide.agent.state;

import dev.tide.proto.agent.v1.Event;
import java.io.IOException;
import java.util.List;

/**
 * Where the {@link EventLog} keeps undelivered events across an agent restart. A file for a real
 * agent ({@link FileEventJournal}); nothing for a simulated one, whose restarts are not measured.
 */
public interface EventJournal {
    /** Keeps nothing. */
    EventJournal NONE = new EventJournal() {
        @Override
        public List<Event> load() {
            return List.of();
        }

        @Override
        public void append(Event event) {}

        @Override
        public void replace(List<Event> undelivered) {}
    };

    /** The events saved and not yet delivered, oldest first. */
    List<Event> load() throws IOException;

    /** Adds an event after the others. */
    void append(Event event) throws IOException;

    /** Keeps only these events (after a delivery, or when the oldest were dropped). */
    void replace(List<Event> undelivered) throws IOException;
}
