package dev.tide.controlplane.delivery;

import io.grpc.stub.CallStreamObserver;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;

/**
 * Sends messages on a gRPC stream only as fast as the peer reads them (flow control), so a
 * large artifact is read from disk chunk by chunk instead of being buffered in memory. Single
 * control messages can go ahead of queued chunks, and the time of the last message sent tells
 * whether the stream still moves.
 */
final class Outbox<T> {
    private final CallStreamObserver<T> out;
    private final Deque<Iterator<? extends T>> pending = new ArrayDeque<>();
    private boolean completeWhenDrained;
    private boolean closed;
    private boolean started;
    private volatile long lastSentNanos = System.nanoTime();

    /** An outbox on a stream that is already open (a server's response stream). */
    Outbox(CallStreamObserver<T> out) {
        this(out, true);
    }

    /**
     * An outbox on a client call that may not have started yet: gRPC hands over the request stream
     * before {@code start()} has returned, and using it until then fails with a NullPointerException.
     * Nothing is sent until {@link #started()}.
     */
    Outbox(CallStreamObserver<T> out, boolean started) {
        this.out = out;
        this.started = started;
        out.setOnReadyHandler(this::drain);
    }

    /** The call has started: what was queued meanwhile goes out. */
    synchronized void started() {
        started = true;
        drain();
    }

    synchronized void send(T message) {
        sendAll(List.of(message).iterator());
    }

    /** Sends a single message before anything already queued (pings, mode changes). */
    synchronized void sendFirst(T message) {
        if (!closed) {
            pending.addFirst(List.of(message).iterator());
            drain();
        }
    }

    /** Queues a lazily produced sequence, e.g. the chunks of an artifact. */
    synchronized void sendAll(Iterator<? extends T> messages) {
        if (closed) {
            closeQuietly(messages);
            return;
        }
        pending.add(messages);
        drain();
    }

    /** Completes the stream once everything queued has been sent. */
    synchronized void completeWhenDrained() {
        completeWhenDrained = true;
        drain();
    }

    /** Drops what is queued, closing any open sources (artifact files). */
    synchronized void close() {
        closed = true;
        pending.forEach(Outbox::closeQuietly);
        pending.clear();
    }

    /** When a message last went out; a stream blocked by its peer stops moving. */
    long lastSentNanos() {
        return lastSentNanos;
    }

    synchronized void drain() {
        if (!started) {
            return;
        }
        try {
            while (!closed && out.isReady() && !pending.isEmpty()) {
                Iterator<? extends T> head = pending.peek();
                if (!head.hasNext()) {
                    pending.poll();
                    continue;
                }
                out.onNext(head.next());
                lastSentNanos = System.nanoTime();
            }
            if (!closed && completeWhenDrained && pending.isEmpty()) {
                closed = true;
                out.onCompleted();
            }
        } catch (RuntimeException e) {
            close();
            out.onError(GrpcErrors.toStatus(e).asRuntimeException());
        }
    }

    private static void closeQuietly(Iterator<?> source) {
        if (source instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception ignored) {
                // best effort: the source is abandoned either way
            }
        }
    }
}
