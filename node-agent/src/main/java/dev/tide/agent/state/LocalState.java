package dev.tide.agent.state;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The applied state in memory, saved through a {@link StateStore} on every change. Thread-safe. */
public final class LocalState {
    private static final Logger log = LoggerFactory.getLogger(LocalState.class);

    private final StateStore store;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private AgentState current;

    private LocalState(StateStore store, AgentState initial) {
        this.store = store;
        this.current = initial;
    }

    public static LocalState load(StateStore store) throws IOException {
        return new LocalState(store, store.load());
    }

    public synchronized AgentState current() {
        return current;
    }

    public long appliedGeneration() {
        return current().appliedGeneration();
    }

    /** The application's record, or {@link AppRecord#EMPTY}. */
    public AppRecord app(String name) {
        return current().apps().getOrDefault(name, AppRecord.EMPTY);
    }

    /** Applies {@code change}, saves the result if it differs, then tells the listeners. */
    public AgentState update(UnaryOperator<AgentState> change) {
        AgentState next;
        synchronized (this) {
            next = change.apply(current);
            if (next.equals(current)) {
                return current;
            }
            current = next;
            save(next);
        }
        listeners.forEach(Runnable::run);
        return next;
    }

    /** Updates one application's record; the function gets {@link AppRecord#EMPTY} for a new one. */
    public void updateApp(String app, UnaryOperator<AppRecord> change) {
        update(s -> s.withApp(app, change.apply(s.apps().getOrDefault(app, AppRecord.EMPTY))));
    }

    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /** Writes the current state again (on shutdown). */
    public synchronized void flush() {
        save(current);
    }

    private void save(AgentState state) {
        try {
            store.save(state);
        } catch (IOException e) {
            // Keep running on what is in memory; the next change tries again.
            log.error("could not save the agent state: {}", e.toString());
        }
    }
}
