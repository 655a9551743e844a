package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.proto.agent.v1.AgentMessage;
import dev.tide.proto.agent.v1.ControlMessage;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.DesiredState;
import dev.tide.proto.agent.v1.Hello;
import dev.tide.proto.agent.v1.Schedule;
import dev.tide.proto.agent.v1.StatusReport;
import dev.tide.security.PeerIdentity;
import io.grpc.stub.ClientCallStreamObserver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A push session against nothing but the view of the control plane it needs: it applies when its
 * agent is behind and a permit is free, waits in line otherwise, and gives its permit back when
 * the agent reports the generation applied or the session ends.
 */
class PushSessionTests {
    private final FakeHost host = new FakeHost();
    private final Queue<Runnable> wakeups = new ArrayDeque<>();
    private final ApplyPermits permits = new ApplyPermits(wakeups::add);

    @Test
    void aSessionThatFindsNoFreePermitAppliesWhenTheHolderReportsItsGenerationApplied() {
        permits.resize("prod", 1);
        Agent a = open("a", 1);
        Agent b = open("b", 1);

        assertThat(a.applies()).containsExactly(1L);
        assertThat(b.applies()).as("waiting for the only permit").isEmpty();

        a.session.onNext(status(a.id, 1));
        runWakeups();

        assertThat(b.applies()).containsExactly(1L);
        assertThat(host.reports).containsExactly(a.id);
        assertThat(host.applied).isEqualTo(2);
    }

    @Test
    void aFailedSessionGivesItsPermitBackAndIsReportedForBackoff() {
        permits.resize("prod", 1);
        Agent a = open("a", 1);
        Agent b = open("b", 1);

        a.session.connectTimedOut(); // the deadline of a session that said Hello: no effect
        assertThat(a.session.isClosed()).isFalse();

        a.session.onError(new RuntimeException("connection reset"));
        runWakeups();

        assertThat(host.closed).containsEntry(a.id, true);
        assertThat(host.reasons).containsEntry(a.id, "unknown");
        assertThat(b.applies()).containsExactly(1L);
    }

    @Test
    void everyEndIsReportedWithItsReason() {
        Agent keepalive = open("keepalive", 0);
        Agent deadline = open("deadline", 0);
        Agent completed = open("completed", 0);
        Agent closed = open("closed", 0);

        keepalive.session.onError(io.grpc.Status.UNAVAILABLE
                .withDescription("Keepalive failed. The connection is likely gone")
                .asRuntimeException());
        deadline.session.onError(io.grpc.Status.DEADLINE_EXCEEDED.asRuntimeException());
        completed.session.onCompleted();
        closed.session.close();

        assertThat(host.reasons)
                .containsEntry(keepalive.id, "keepalive")
                .containsEntry(deadline.id, "deadline_exceeded")
                .containsEntry(completed.id, "completed")
                .containsEntry(closed.id, "closed");
        assertThat(host.closed)
                .as("retried after a backoff")
                .containsEntry(keepalive.id, true)
                .containsEntry(deadline.id, true)
                .containsEntry(completed.id, false)
                .containsEntry(closed.id, false);
    }

    @Test
    void aStatusReportIsAcknowledgedOnlyOnceItIsStored() {
        Agent a = open("a", 0);
        a.session.onNext(AgentMessage.newBuilder()
                .setStatus(StatusReport.newBuilder().setNodeId(a.id.toString()).setReportSeq(3))
                .build());

        assertThat(a.stream.sent).noneMatch(ControlMessage::hasStatusAck);

        host.stored.complete(null);

        assertThat(a.stream.sent)
                .filteredOn(ControlMessage::hasStatusAck)
                .singleElement()
                .satisfies(m -> assertThat(m.getStatusAck().getReportSeq()).isEqualTo(3));
    }

    @Test
    void aStatusReportThatWasNotStoredIsNotAcknowledged() {
        Agent a = open("a", 0);
        a.session.onNext(AgentMessage.newBuilder()
                .setStatus(StatusReport.newBuilder().setNodeId(a.id.toString()).setReportSeq(1))
                .build());

        host.stored.completeExceptionally(new IllegalStateException("database unavailable"));

        assertThat(a.stream.sent).noneMatch(ControlMessage::hasStatusAck);
        assertThat(a.session.isClosed()).isFalse();
    }

    @Test
    void anAgentThatProvesToBeAnotherNodeIsClosedBeforeItIsSentAnything() {
        Agent a = dial("a", 1, true, UUID.randomUUID());

        a.session.onNext(hello(a.id, 0));

        assertThat(a.stream.cancelled).isTrue();
        assertThat(a.stream.sent).isEmpty();
        assertThat(host.closed).containsEntry(a.id, true);
        assertThat(host.reasons).containsEntry(a.id, "protocol");
        assertThat(host.connected).isEmpty();
    }

    @Test
    void aSessionIsNotPingedBeforeHelloWhileItsCallMayStillBeStarting() {
        Agent a = dial("a", 1, false, null);

        a.session.keepAlive(Duration.ofSeconds(30));

        assertThat(a.stream.sent).isEmpty();
        assertThat(a.session.isClosed()).isFalse();
        assertThat(host.reasons).isEmpty();

        a.stream.started = true;
        a.session.callStarted();
        a.session.onNext(hello(a.id, 1));
        a.session.keepAlive(Duration.ofSeconds(30));

        assertThat(a.stream.sent).anyMatch(ControlMessage::hasPing);
        assertThat(a.session.isClosed()).isFalse();
    }

    @Test
    void aHandOffWhileTheCallIsStillStartingIsSentOnceItHasStarted() {
        Agent a = dial("a", 1, false, null);

        a.session.handOff(
                Schedule.getDefaultInstance()); // the reconcile thread, while the dialling thread starts the call

        assertThat(a.stream.sent).isEmpty();
        assertThat(a.session.isClosed()).isFalse();

        a.stream.started = true;
        a.session.callStarted();

        assertThat(a.stream.sent)
                .singleElement()
                .satisfies(m -> assertThat(m.hasSetMode()).isTrue());
        a.session.onNext(hello(a.id, 1));
        assertThat(a.session.isOpen()).isTrue();
    }

    @Test
    void aSessionClosedWhileItsCallIsStartingEndsTheCallOnceItHasStarted() {
        Agent a = dial("a", 1, false, null);

        a.session.close(); // e.g. replaced by a newer dial, while the dialling thread starts the call

        assertThat(a.session.isClosed()).isTrue();
        assertThat(a.stream.cancelled).isFalse();

        a.stream.started = true;
        a.session.callStarted();

        assertThat(a.stream.cancelled).isTrue();
        assertThat(a.stream.sent).isEmpty();
    }

    private Agent open(String name, long desired) {
        Agent a = dial(name, desired, true, null);
        a.session.onNext(hello(a.id, 0));
        assertThat(host.connected).contains(a.id);
        return a;
    }

    /**
     * A session to a new node, before the agent's Hello: {@code started} is whether its call has
     * started, {@code peer} whom the agent's certificate names (null: the node itself).
     */
    private Agent dial(String name, long desired, boolean started, UUID peer) {
        UUID id = UUID.randomUUID();
        host.desired.put(id, desired);
        PushSession session = new PushSession(id, name, "prod", permits.of("prod"), host);
        Stream stream = new Stream();
        stream.started = started;
        session.beforeStart(stream);
        if (started) {
            session.callStarted();
        }
        session.peerIdentity(PeerIdentity.node(peer == null ? id : peer));
        return new Agent(id, session, stream);
    }

    private void runWakeups() {
        Runnable task;
        while ((task = wakeups.poll()) != null) {
            task.run();
        }
    }

    private static AgentMessage hello(UUID id, long applied) {
        return AgentMessage.newBuilder()
                .setHello(Hello.newBuilder()
                        .setNodeId(id.toString())
                        .setAppliedGeneration(applied)
                        .setMode(DeliveryMode.PUSH))
                .build();
    }

    private static AgentMessage status(UUID id, long applied) {
        return AgentMessage.newBuilder()
                .setStatus(StatusReport.newBuilder().setNodeId(id.toString()).setAppliedGeneration(applied))
                .build();
    }

    private record Agent(UUID id, PushSession session, Stream stream) {
        List<Long> applies() {
            return stream.sent.stream()
                    .filter(ControlMessage::hasApply)
                    .map(m -> m.getApply().getState().getGeneration())
                    .toList();
        }
    }

    /** The control plane as a session sees it, recording what it is told. */
    private static final class FakeHost implements PushSession.Host {
        final Instant now = Instant.parse("2026-12-01T10:00:00Z");
        final Map<UUID, Long> desired = new HashMap<>();
        final List<UUID> connected = new ArrayList<>();
        final Map<UUID, Boolean> closed = new HashMap<>();
        final Map<UUID, String> reasons = new HashMap<>();
        final List<UUID> reports = new ArrayList<>();
        int applied;

        @Override
        public Instant now() {
            return now;
        }

        @Override
        public Optional<DesiredStateCache.Entry> desired(UUID nodeId) {
            return Optional.ofNullable(desired.get(nodeId))
                    .map(g -> new DesiredStateCache.Entry(
                            nodeId,
                            "prod",
                            g,
                            DesiredState.newBuilder().setGeneration(g).build()));
        }

        @Override
        public Schedule schedule(String environment) {
            return Schedule.getDefaultInstance();
        }

        @Override
        public Duration applyTimeout() {
            return Duration.ofMinutes(10);
        }

        @Override
        public ArtifactChunks artifactChunks(String sha256) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String renewCertificate(UUID nodeId, byte[] csr) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void connected(PushSession session, DeliveryMode agentMode) {
            connected.add(session.nodeId);
        }

        @Override
        public void closed(PushSession session, boolean failed, String reason) {
            closed.put(session.nodeId, failed);
            reasons.put(session.nodeId, reason);
        }

        @Override
        public java.util.concurrent.CompletableFuture<Void> ingest(UUID nodeId, StatusReport report) {
            reports.add(nodeId);
            return stored;
        }

        /** Completed by a test once the report counts as stored. */
        java.util.concurrent.CompletableFuture<Void> stored = new java.util.concurrent.CompletableFuture<>();

        @Override
        public void modeAcknowledged(UUID nodeId, DeliveryMode mode) {}

        @Override
        public void seen(UUID nodeId) {}

        @Override
        public void applied(String environment) {
            applied++;
        }

        @Override
        public void fenced(PushSession session, String reason) {}
    }

    /** The call to the agent: ready once started, keeps what is sent. */
    private static final class Stream extends ClientCallStreamObserver<ControlMessage> {
        final List<ControlMessage> sent = new ArrayList<>();
        boolean cancelled;
        /** gRPC's ClientCallImpl before {@code start()} has returned: its stream is still null. */
        boolean started = true;

        @Override
        public void cancel(String message, Throwable cause) {
            if (!started) { // gRPC would start the call anyway, and nothing would end it
                throw new AssertionError("cancelled before the call started");
            }
            cancelled = true;
        }

        @Override
        public boolean isReady() {
            if (!started) {
                throw new NullPointerException("Cannot invoke \"io.grpc.internal.ClientStream.isReady()\"");
            }
            return true;
        }

        @Override
        public void setOnReadyHandler(Runnable onReadyHandler) {}

        @Override
        public void request(int count) {}

        @Override
        public void setMessageCompression(boolean enable) {}

        @Override
        public void disableAutoInboundFlowControl() {}

        @Override
        public void onNext(ControlMessage value) {
            sent.add(value);
        }

        @Override
        public void onError(Throwable t) {}

        @Override
        public void onCompleted() {
            if (!started) {
                throw new IllegalStateException("Not started");
            }
        }
    }
}
