package dev.tide.agent.transport;

import dev.tide.proto.agent.v1.AgentMessage;
import dev.tide.proto.agent.v1.ControlMessage;
import dev.tide.proto.agent.v1.StatusReport;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/** One open push session: serialises what the agent sends and hands what arrives to the service. */
final class PushSession implements StreamObserver<ControlMessage> {
    private final ServerCallStreamObserver<AgentMessage> out;
    private final SessionService service;
    private final long epoch;
    private boolean closed;

    PushSession(ServerCallStreamObserver<AgentMessage> out, SessionService service, long epoch) {
        this.out = out;
        this.service = service;
        this.epoch = epoch;
    }

    /** Whether the session ended (refused, replaced or closed): it applies nothing more. */
    synchronized boolean isClosed() {
        return closed;
    }

    /** The lease epoch the session was opened with. */
    long epoch() {
        return epoch;
    }

    /** False when the session is gone: the caller keeps what it wanted to send. */
    synchronized boolean send(AgentMessage message) {
        if (closed || out.isCancelled()) {
            return false;
        }
        try {
            out.onNext(message);
            return true;
        } catch (RuntimeException e) {
            closed = true;
            return false;
        }
    }

    boolean sendStatus(StatusReport report) {
        return send(AgentMessage.newBuilder().setStatus(report).build());
    }

    /** A newer session took over. */
    void replaced() {
        refuse(Status.ABORTED.withDescription("replaced by a newer session"));
    }

    /** Ends the session with this status (a newer session, a stale lease epoch). */
    synchronized void refuse(Status status) {
        if (!closed) {
            closed = true;
            try {
                out.onError(status.asRuntimeException());
            } catch (RuntimeException e) {
                // already gone
            }
        }
    }

    @Override
    public void onNext(ControlMessage message) {
        service.handle(this, message);
    }

    @Override
    public void onError(Throwable t) {
        synchronized (this) {
            closed = true;
        }
        service.ended(this);
    }

    @Override
    public void onCompleted() {
        synchronized (this) {
            if (!closed) {
                closed = true;
                try {
                    out.onCompleted();
                } catch (RuntimeException e) {
                    // already gone
                }
            }
        }
        service.ended(this);
    }
}
