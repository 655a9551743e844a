package dev.tide.agent.transport;

import com.google.protobuf.ByteString;
import dev.tide.agent.AgentVersion;
import dev.tide.agent.state.LocalState;
import dev.tide.proto.agent.v1.AgentMessage;
import dev.tide.proto.agent.v1.AgentSessionGrpc;
import dev.tide.proto.agent.v1.CertificateIssued;
import dev.tide.proto.agent.v1.CertificateRequest;
import dev.tide.proto.agent.v1.ControlMessage;
import dev.tide.proto.agent.v1.Hello;
import dev.tide.proto.agent.v1.ModeAck;
import dev.tide.proto.agent.v1.Pong;
import dev.tide.proto.agent.v1.SetMode;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves AgentSession: says Hello, reports what happened since the last session, then dispatches
 * Apply/ArtifactChunk, SetMode, Ping and CertificateIssued. A second session replaces the first.
 * Only the control plane reaches this far: the listener's TLS admits no other certificate. Until
 * the agent is ready (enrolled and wired), sessions are refused.
 */
final class SessionService extends AgentSessionGrpc.AgentSessionImplBase {
    private static final Logger log = LoggerFactory.getLogger(SessionService.class);

    private final Supplier<String> nodeId;
    private final LocalState state;
    private final ScheduleState schedules;
    private final StatusReporter reporter;
    private final PushApplyHandler applies;
    private final BooleanSupplier ready;
    private final Consumer<CertificateIssued> certificates;
    private final AtomicReference<PushSession> current = new AtomicReference<>();
    private final LeaseFence fence;

    SessionService(
            Supplier<String> nodeId,
            BooleanSupplier ready,
            LocalState state,
            ScheduleState schedules,
            StatusReporter reporter,
            PushApplyHandler applies,
            Consumer<CertificateIssued> certificates) {
        this.nodeId = nodeId;
        this.ready = ready;
        this.certificates = certificates;
        this.state = state;
        this.schedules = schedules;
        this.reporter = reporter;
        this.applies = applies;
        this.fence = new LeaseFence(state);
    }

    @Override
    public StreamObserver<ControlMessage> session(StreamObserver<AgentMessage> responses) {
        if (!ready.getAsBoolean()) {
            return refuse(responses, Status.UNAVAILABLE.withDescription("the agent is starting"));
        }
        long epoch = LeaseFence.SESSION_EPOCH.get() == null ? 0 : LeaseFence.SESSION_EPOCH.get();
        Status stale = fence.admit(epoch);
        if (stale != null) {
            // The open session (of the replica that holds the lease) stays.
            log.warn("push session refused: {}", stale.getDescription());
            return refuse(responses, stale);
        }
        PushSession session = new PushSession((ServerCallStreamObserver<AgentMessage>) responses, this, epoch);
        PushSession previous = current.getAndSet(session);
        if (previous != null) {
            log.info("a new push session replaces the previous one");
            reporter.detach(previous);
            applies.sessionEnded(previous);
            previous.replaced();
        }
        session.send(AgentMessage.newBuilder()
                .setHello(Hello.newBuilder()
                        .setNodeId(nodeId.get())
                        .setAppliedGeneration(state.appliedGeneration())
                        .setMode(schedules.mode())
                        .setAgentVersion(AgentVersion.get())
                        .setLeaseEpoch(fence.highest()))
                .build());
        reporter.attach(session);
        log.info("push session opened (lease epoch {})", epoch);
        return session;
    }

    private static StreamObserver<ControlMessage> refuse(StreamObserver<AgentMessage> responses, Status status) {
        responses.onError(status.asRuntimeException());
        return new StreamObserver<>() {
            @Override
            public void onNext(ControlMessage value) {}

            @Override
            public void onError(Throwable t) {}

            @Override
            public void onCompleted() {}
        };
    }

    void handle(PushSession session, ControlMessage message) {
        if (changesState(message)) {
            if (session.isClosed()) {
                log.debug("push {} after its session ended ignored", message.getKindCase());
                return;
            }
            long epoch = message.getLeaseEpoch() != 0 ? message.getLeaseEpoch() : session.epoch();
            Status stale = fence.admit(epoch);
            if (stale != null) {
                log.warn("push {} refused, nothing applied: {}", message.getKindCase(), stale.getDescription());
                session.refuse(stale);
                ended(session);
                return;
            }
        }
        switch (message.getKindCase()) {
            case APPLY -> applies.onApply(session, message.getApply());
            case ARTIFACT_CHUNK -> applies.onChunk(session, message.getArtifactChunk());
            case SET_MODE -> setMode(session, message.getSetMode());
            case PING ->
                session.send(AgentMessage.newBuilder()
                        .setPong(Pong.newBuilder()
                                .setNonce(message.getPing().getNonce())
                                .setAppliedGeneration(state.appliedGeneration()))
                        .build());
            case CERTIFICATE_ISSUED -> certificates.accept(message.getCertificateIssued());
            case STATUS_ACK -> reporter.acknowledged(message.getStatusAck().getReportSeq());
            case KIND_NOT_SET -> log.debug("empty control message ignored");
        }
    }

    /** Commands that change what runs or how the agent is reached; the rest are answered whatever the epoch. */
    private static boolean changesState(ControlMessage message) {
        return switch (message.getKindCase()) {
            case APPLY, ARTIFACT_CHUNK, SET_MODE -> true;
            default -> false;
        };
    }

    private void setMode(PushSession session, SetMode setMode) {
        schedules.update(setMode.getSchedule());
        session.send(AgentMessage.newBuilder()
                .setModeAck(ModeAck.newBuilder().setMode(schedules.mode()))
                .build());
    }

    void ended(PushSession session) {
        if (current.compareAndSet(session, null)) {
            log.info("push session closed");
        }
        reporter.detach(session);
        applies.sessionEnded(session);
    }

    /** Asks for a certificate over the open session; false when there is none. */
    boolean requestCertificate(byte[] csr) {
        PushSession session = current.get();
        return session != null
                && session.send(AgentMessage.newBuilder()
                        .setCertificateRequest(CertificateRequest.newBuilder().setCsr(ByteString.copyFrom(csr)))
                        .build());
    }

    /** Ends the open session (agent shutdown). */
    void closeCurrent() {
        PushSession session = current.getAndSet(null);
        if (session != null) {
            session.onCompleted();
        }
    }
}
