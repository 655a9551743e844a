package dev.tide.controlplane.delivery;

import dev.tide.controlplane.node.NodeRepository.PushTarget;
import dev.tide.proto.agent.v1.Schedule;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The push sessions, at most one per node, and the dials that open them. Dials wait in a queue,
 * oldest request first, and at most a window of handshakes run at once: ten thousand agents
 * dialled together after a restart made every handshake slow, many time out and back off; a
 * bounded number completes quickly, and the next dial starts as soon as one ends. A session that
 * failed is dialled again only once its node's {@link Backoff} allows, and one whose agent says no
 * Hello within the connect timeout fails.
 *
 * <p>The window adapts, as TCP's congestion window does: it starts at {@code maxConnecting}, halves
 * when a dial times out (once for all the dials that were started under the same window: they
 * were all slowed by the same crowd), and grows by one with every dial that succeeds, between
 * {@code maxConnecting / 16} and {@code maxConnecting}. A control plane that is still cold, or
 * whose cores are shared, then runs as many handshakes as it can finish within the connect timeout
 * instead of starting hundreds that all time out and start again. Only timeouts count: a refused
 * connection is a node that is down, not a crowd.
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

    private static final Logger log = LoggerFactory.getLogger(PushSessionPool.class);

    private final int maxConnecting;
    private final int minConnecting;
    private final Duration connectTimeout;
    private final Backoff backoff;
    private final Timer timer;
    private final Opener<S> opener;

    private final Map<UUID, S> sessions = new ConcurrentHashMap<>();
    /** Sessions to open, oldest request first; guards the claim of a handshake slot too. */
    private final Map<UUID, Dial> dials = new LinkedHashMap<>();

    /** Nodes whose dial runs, each with the window generation it started under. */
    private final Map<UUID, Integer> connecting = new ConcurrentHashMap<>();
    /** Handshakes allowed at once; guarded by {@code dials}. */
    private int window;
    /** Bumped whenever the window shrinks; guarded by {@code dials}. */
    private int generation;

    private volatile boolean running;

    PushSessionPool(int maxConnecting, Duration connectTimeout, Backoff backoff, Timer timer, Opener<S> opener) {
        this.maxConnecting = maxConnecting;
        this.minConnecting = Math.max(1, maxConnecting / 16);
        this.window = maxConnecting;
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

    /** Handshakes allowed at once now, for metrics and tests. */
    int window() {
        synchronized (dials) {
            return window;
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
        if (connecting.remove(node) != null) {
            synchronized (dials) {
                window = Math.min(maxConnecting, window + 1);
            }
        }
        drain();
        backoff.reset(node);
    }

    /** A session ended; a failed one is retried after a jittered, growing delay. */
    void closed(UUID node, S session, boolean failed) {
        closed(node, session, failed, false);
    }

    /**
     * A session ended; {@code timedOut} when its agent said no Hello within the connect timeout,
     * which shrinks the window if the dial started under the current one.
     */
    void closed(UUID node, S session, boolean failed, boolean timedOut) {
        sessions.remove(node, session);
        Integer startedUnder = connecting.remove(node);
        if (startedUnder != null) {
            if (timedOut) {
                shrink(startedUnder);
            }
            drain();
        }
        if (failed) {
            backoff.failed(node);
        }
    }

    private void shrink(int startedUnder) {
        int before;
        int after;
        synchronized (dials) {
            if (startedUnder != generation || window == minConnecting) {
                return; // this crowd already halved the window, or it is as small as it goes
            }
            before = window;
            after = Math.max(minConnecting, window / 2);
            window = after;
            generation++;
        }
        log.info(
                "Push dials are timing out after {}: {} handshakes at once from now (was {})",
                connectTimeout,
                after,
                before);
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
                if (!running || connecting.size() >= window) {
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
                connecting.put(next.target().id(), generation);
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
