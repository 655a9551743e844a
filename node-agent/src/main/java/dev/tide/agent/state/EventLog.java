package dev.tide.agent.state;

import com.google.protobuf.Timestamp;
import dev.tide.proto.agent.v1.Event;
import dev.tide.proto.agent.v1.EventType;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events not yet delivered to the control plane, oldest first. A report takes a snapshot and
 * acknowledges it once sent, so events survive a dropped session or an unreachable control plane;
 * with a file {@link EventJournal} they survive an agent restart too.
 */
public final class EventLog {
    private static final Logger log = LoggerFactory.getLogger(EventLog.class);
    private static final int CAPACITY = 1000;

    private final Clock clock;
    private final EventJournal journal;
    private final Deque<Entry> entries = new ArrayDeque<>();
    private final List<Consumer<EventType>> listeners = new CopyOnWriteArrayList<>();
    private long nextSeq = 1;

    /** Events kept in memory only. */
    public EventLog(Clock clock) {
        this.clock = clock;
        this.journal = EventJournal.NONE;
    }

    /** Starts with the events {@code journal} kept from before a restart, and keeps new ones there. */
    public EventLog(Clock clock, EventJournal journal) throws IOException {
        this.clock = clock;
        this.journal = journal;
        List<Event> saved = journal.load();
        saved.subList(Math.max(0, saved.size() - CAPACITY), saved.size())
                .forEach(e -> entries.addLast(new Entry(nextSeq++, e)));
        if (!saved.isEmpty()) {
            log.info("{} undelivered event(s) kept from before the restart", entries.size());
        }
    }

    /** Events up to {@code lastSeq}, to acknowledge with {@link #ack(long)} once delivered. */
    public record Pending(long lastSeq, List<Event> events) {}

    private record Entry(long seq, Event event) {}

    public void add(long generation, String app, String version, EventType type, String message) {
        Instant now = clock.instant();
        Event event = Event.newBuilder()
                .setGeneration(generation)
                .setApplication(app)
                .setVersion(version == null ? "" : version)
                .setType(type)
                .setAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
                .setMessage(message == null ? "" : message)
                .build();
        synchronized (this) {
            entries.addLast(new Entry(nextSeq++, event));
            if (entries.size() > CAPACITY) {
                entries.removeFirst();
                log.warn("more than {} undelivered events; dropping the oldest", CAPACITY);
                save();
            } else {
                try {
                    journal.append(event);
                } catch (IOException e) {
                    log.warn("cannot keep an event on disk ({}); it is lost if the agent restarts first", e.toString());
                }
            }
        }
        listeners.forEach(l -> l.accept(type));
    }

    public synchronized Pending pending() {
        return pendingAfter(0);
    }

    /** The events after {@code seq} (those not yet sent on the current session); lastSeq is 0 if none. */
    public synchronized Pending pendingAfter(long seq) {
        List<Event> events = new ArrayList<>(entries.size());
        long last = 0;
        for (Entry e : entries) {
            if (e.seq() > seq) {
                events.add(e.event());
                last = e.seq();
            }
        }
        return new Pending(last, events);
    }

    public synchronized void ack(long upToSeq) {
        boolean removed = false;
        while (!entries.isEmpty() && entries.peekFirst().seq() <= upToSeq) {
            entries.removeFirst();
            removed = true;
        }
        if (removed) {
            save();
        }
        notifyAll();
    }

    /** Rewrites the journal to what is left; mostly nothing, which deletes it. */
    private void save() {
        try {
            journal.replace(entries.stream().map(Entry::event).toList());
        } catch (IOException e) {
            log.warn(
                    "cannot update the saved events ({}); delivered ones may be sent again after a restart",
                    e.toString());
        }
    }

    /** Waits until every event was delivered, at most {@code limit}; true when none is left. */
    public synchronized boolean awaitDelivered(Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!entries.isEmpty()) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }

    /** Called after each event is added, with its type. */
    public void onChange(Consumer<EventType> listener) {
        listeners.add(listener);
    }
}
