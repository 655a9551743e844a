package dev.tide.controlplane.delivery;

import dev.tide.controlplane.node.NodeRepository.PushTarget;
import dev.tide.proto.agent.v1.Schedule;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The push sessions, at most one per node, and the dials that open them. Dials wait in a queue,
 * oldest request first, and at most {@code maxConnecting} handshakes run at once: ten thousand
 * agents dialled together after a restart made every handshake slow, many time out and back off;
 * a bounded number completes quickly, and the next dial starts as soon as one ends. A session
 * that failed is dialled again only once its node's {@link Backoff} allows, and one whose agent
 * says no Hello within the connect timeout fails.
 */
final class PushSessionPool<S extends PushSessionPool.Member> {
    /** What the pool needs of a session. */
    interface Member {
        boolean isClosed();

        void close();

        /** Asks the agent to pull; called once the session's call has started. */
        void handOff(Schedule schedule);

        /** The connect deadline passed: a session whose agent has not said Hello fails. */
        void connectTimedOut();
    }

    /** Opens sessions, in two steps so that the pool holds a session before its call can answer. */
    interface Opener<S> {
        S create(PushTarget target);

        void start(S session, PushTarget target);
    }

    /** Runs a task once a delay has passed. */
    interface Timer {
        void schedule(Runnable task, Duration delay);
    }

    /** A session to open; {@code handOff} set when the agent is to be told to pull. */
    private record Dial(PushTarget target, Schedule handOff) {}

    private final int maxConnecting;
    private final Duration connectTimeout;
    private final Backoff backoff;
    private final Timer timer;
    private final Opener<S> opener;

    private final Map<UUID, S> sessions = new ConcurrentHashMap<>();
    /** Sessions to open, oldest request first; guards the claim of a handshake slot too. */
    private final Map<UUID, Dial> dials = new LinkedHashMap<>();

    private final Set<UUID> connecting = ConcurrentHashMap.newKeySet();
    private volatile boolean running;

    PushSessionPool(int maxConnecting, Duration connectTimeout, Backoff backoff, Timer timer, Opener<S> opener) {
        this.maxConnecting = maxConnecting;
        this.connectTimeout = connectTimeout;
        this.backoff = backoff;
        this.timer = timer;
        this.opener = opener;
    }

    void start() {
        running = true;
    }

    /** Opens nothing more and closes every session. */
    void stop() {
        running = false;
        sessions.values().forEach(Member::close);
    }

    /** The node's session, open, handshaking or already closed; null if it has none. */
    S get(UUID node) {
        return sessions.get(node);
    }

    Collection<S> sessions() {
        return sessions.values();
    }

    /** Sessions held, for metrics. */
    int size() {
        return sessions.size();
    }

    /** Sessions being opened (queued or handshaking), for metrics and tests. */
    int connecting() {
        synchronized (dials) {
            return connecting.size() + dials.size();
        }
    }

    /** Queues a dial to the node unless it is backing off from a failed session. */
    void dialWhenDue(PushTarget target, Schedule handOff) {
        if (backoff.due(target.id())) {
            dial(target, handOff);
        }
    }

    /** Queues a session to open; opened at once while fewer than maxConnecting handshakes run. */
    void dial(PushTarget target, Schedule handOff) {
        synchronized (dials) {
            dials.put(target.id(), new Dial(target, handOff)); // a newer request replaces a queued one
        }
        drain();
    }

    /** The node's session received its agent's Hello: its handshake slot goes to the next dial. */
    void connected(UUID node) {
        connecting.remove(node);
        drain();
        backoff.reset(node);
    }

    /** A session ended; a failed one is retried after a jittered, growing delay. */
    void closed(UUID node, S session, boolean failed) {
        sessions.remove(node, session);
        if (connecting.remove(node)) {
            drain();
        }
        if (failed) {
            backoff.failed(node);
        }
    }

    /** The node is gone: a later node with its id starts without backoff. */
    void forget(UUID node) {
        backoff.reset(node);
    }

    /** Opens queued sessions while there is room; called on every dial, Hello and session end. */
    private void drain() {
        while (true) {
            Dial next;
            synchronized (dials) {
                if (!running || connecting.size() >= maxConnecting) {
                    return;
                }
                var it = dials.values().iterator();
                if (!it.hasNext()) {
                    return;
                }
                next = it.next();
                it.remove();
                S existing = sessions.get(next.target().id());
                if (existing != null && !existing.isClosed()) {
                    continue;
                }
                connecting.add(next.target().id());
            }
            open(next);
        }
    }

    private void open(Dial dial) {
        PushTarget target = dial.target();
        S session = opener.create(target);
        S previous = sessions.put(target.id(), session);
        if (previous != null) {
            previous.close();
        }
        opener.start(session, target);
        if (dial.handOff() != null) {
            session.handOff(dial.handOff());
        }
        timer.schedule(session::connectTimedOut, connectTimeout);
    }
}
