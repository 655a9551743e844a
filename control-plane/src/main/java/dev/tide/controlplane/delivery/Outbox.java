package dev.tide.controlplane.delivery;

import io.grpc.stub.CallStreamObserver;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;

/**
 * Sends messages on a gRPC stream only as fast as the peer reads them (flow control), so a
 * large artifact is read from disk chunk by chunk instead of being buffered in memory.
 */
final class Outbox<T> {
    private final CallStreamObserver<T> out;
    private final Deque<Iterator<? extends T>> pending = new ArrayDeque<>();
    private boolean completeWhenDrained;
    private boolean closed;

    Outbox(CallStreamObserver<T> out) {
        this.out = out;
        out.setOnReadyHandler(this::drain);
    }

    synchronized void send(T message) {
        sendAll(List.of(message).iterator());
    }

    /** Queues a lazily produced sequence, e.g. the chunks of an artifact. */
    synchronized void sendAll(Iterator<? extends T> messages) {
        if (!closed) {
            pending.add(messages);
            drain();
        }
    }

    /** Completes the stream once everything queued has been sent. */
    synchronized void completeWhenDrained() {
        completeWhenDrained = true;
        drain();
    }

    synchronized void close() {
        closed = true;
        pending.clear();
    }

    synchronized void drain() {
        try {
            while (!closed && out.isReady() && !pending.isEmpty()) {
                Iterator<? extends T> head = pending.peek();
                if (!head.hasNext()) {
                    pending.poll();
                    continue;
                }
                out.onNext(head.next());
            }
            if (!closed && completeWhenDrained && pending.isEmpty()) {
                closed = true;
                out.onCompleted();
            }
        } catch (RuntimeException e) {
            closed = true;
            pending.clear();
            out.onError(GrpcErrors.toStatus(e).asRuntimeException());
        }
    }
}
