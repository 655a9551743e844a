package dev.tide.agent;

import static dev.tide.agent.support.TestApps.get;
import static dev.tide.agent.support.TestApps.hello;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.tide.agent.support.AgentHarness;
import dev.tide.agent.support.FakeControlPlane;
import dev.tide.agent.support.KillStartedProcesses;
import dev.tide.agent.support.PushClient;
import dev.tide.agent.support.TestApps;
import dev.tide.proto.agent.v1.AgentMessage;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.Apply;
import dev.tide.proto.agent.v1.ArtifactChunk;
import dev.tide.proto.agent.v1.CommandCheck;
import dev.tide.proto.agent.v1.ControlMessage;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.DesiredState;
import dev.tide.proto.agent.v1.EventType;
import dev.tide.proto.agent.v1.HealthCheck;
import dev.tide.proto.agent.v1.Ping;
import dev.tide.proto.agent.v1.SetMode;
import dev.tide.proto.agent.v1.StatusReport;
import dev.tide.security.KeyMaterial;
import dev.tide.security.PeerIdentity;
import dev.tide.security.ca.CertificateAuthority;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The agent's push listener, driven the way the control plane's dispatcher drives it. */
@ExtendWith(KillStartedProcesses.class)
class PushSessionTests {
    private static final Duration WAIT = Duration.ofSeconds(40);

    @TempDir
    Path dir;

    private AgentHarness harness;
    private FakeControlPlane cp;
    private Agent agent;

    @BeforeEach
    void setUp() throws Exception {
        harness = new AgentHarness(dir);
        cp = harness.controlPlane;
        cp.setSchedule(FakeControlPlane.push());
        agent = harness.start(
                harness.config().listen(new HostPort("127.0.0.1", 0)).build());
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void appliesWithTheArtifactStreamedOnTheSessionAndTreatsADuplicateApplyAsANoOp() throws Exception {
        byte[] artifact = TestApps.helloTarGz();
        String sha = TestApps.hashOf(artifact);
        DesiredState desired = state(1, hello("1.0.0", sha, artifact.length, "/health", 30));
        try (PushClient session = open()) {
            AgentMessage hello = session.next(AgentMessage::hasHello, WAIT);
            assertThat(hello.getHello().getNodeId()).isEqualTo(FakeControlPlane.NODE_ID);
            assertThat(hello.getHello().getAppliedGeneration()).isZero();
            assertThat(hello.getHello().getMode()).isEqualTo(DeliveryMode.PUSH);

            session.send(apply(desired));
            AgentMessage request = session.next(AgentMessage::hasArtifactRequest, WAIT);
            assertThat(request.getArtifactRequest().getGeneration()).isEqualTo(1);
            assertThat(request.getArtifactRequest().getSha256List()).containsExactly(sha);
            streamArtifact(session, sha, artifact);

            // BECAME_HEALTHY goes out at once; the applied generation may follow in a second report.
            List<EventType> reported = new java.util.ArrayList<>();
            session.next(
                    m -> {
                        if (m.hasStatus()) {
                            m.getStatus().getEventsList().forEach(e -> reported.add(e.getType()));
                        }
                        return status(1, AppState.HEALTHY).test(m);
                    },
                    WAIT);
            assertThat(reported).contains(EventType.BECAME_HEALTHY);
            assertThat(get(harness.appPort, "/")).isEqualTo("Hi from node-1 (version 1.0.0)\n");
            long pid = agent.state().apps().get("hello").pid();

            session.send(apply(desired));
            StatusReport again = session.next(AgentMessage::hasStatus, WAIT).getStatus();
            assertThat(again.getAppliedGeneration()).isEqualTo(1);
            assertThat(again.getEventsList()).isEmpty();
            assertThat(agent.state().apps().get("hello").pid()).isEqualTo(pid);

            session.send(ControlMessage.newBuilder()
                    .setPing(Ping.newBuilder().setNonce(42))
                    .build());
            AgentMessage pong = session.next(AgentMessage::hasPong, WAIT);
            assertThat(pong.getPong().getNonce()).isEqualTo(42);
            assertThat(pong.getPong().getAppliedGeneration()).isEqualTo(1);
        }
        assertThat(cp.polls).isEmpty(); // PUSH with a listener: the node never calls the master
    }

    @Test
    void anApplyThatArrivesAfterANewerOneIsANoOp() throws Exception {
        byte[] artifact = TestApps.helloTarGz();
        String sha = TestApps.hashOf(artifact);
        try (PushClient session = open()) {
            session.next(AgentMessage::hasHello, WAIT);
            session.send(apply(state(2, hello("2.0.0", sha, artifact.length, "/health", 30))));
            session.next(AgentMessage::hasArtifactRequest, WAIT);
            streamArtifact(session, sha, artifact);
            session.next(status(2, AppState.HEALTHY), WAIT);
            long pid = agent.state().apps().get("hello").pid();

            // delayed on another path (a retry of an older session's send), it arrives last
            session.send(apply(state(1, hello("1.0.0", sha, artifact.length, "/health", 30))));
            session.send(ControlMessage.newBuilder()
                    .setPing(Ping.newBuilder().setNonce(7))
                    .build());
            AgentMessage pong = session.next(AgentMessage::hasPong, WAIT);

            assertThat(pong.getPong().getAppliedGeneration()).isEqualTo(2);
            // the older apply is queued behind nothing and changes nothing, for as long as we look
            await().during(Duration.ofMillis(700))
                    .atMost(Duration.ofSeconds(5))
                    .until(() -> agent.state().apps().get("hello").pid() == pid
                            && agent.state().appliedGeneration() == 2
                            && String.valueOf(get(harness.appPort, "/")).contains("version 2.0.0"));
        }
    }

    @Test
    void eventsGoOutAgainOnTheNextSessionUntilTheControlPlaneAcknowledgesTheirReport() throws Exception {
        byte[] artifact = TestApps.helloTarGz();
        String sha = TestApps.hashOf(artifact);
        try (PushClient session = open()) {
            session.next(AgentMessage::hasHello, WAIT);
            session.send(apply(state(1, hello("1.0.0", sha, artifact.length, "/health", 30))));
            session.next(AgentMessage::hasArtifactRequest, WAIT);
            streamArtifact(session, sha, artifact);
            session.next(status(1, AppState.HEALTHY), WAIT);
            // the session ends before the control plane stored (and acknowledged) anything
        }
        StatusReport resent;
        try (PushClient session = open()) {
            session.next(AgentMessage::hasHello, WAIT);
            resent = session.next(m -> m.hasStatus() && m.getStatus().getEventsCount() > 0, WAIT)
                    .getStatus();
            assertThat(resent.getEventsList())
                    .extracting(e -> e.getType())
                    .contains(EventType.DELIVERED, EventType.APPLIED, EventType.BECAME_HEALTHY);
            session.send(ControlMessage.newBuilder()
                    .setStatusAck(dev.tide.proto.agent.v1.StatusAck.newBuilder().setReportSeq(resent.getReportSeq()))
                    .build());
            // acknowledged: nothing is kept for a later session any more
            await().until(() -> !java.nio.file.Files.exists(harness.dataDir.resolve("events.pb")));
        }
        try (PushClient session = open()) {
            session.next(AgentMessage::hasHello, WAIT);
            StatusReport after = session.next(AgentMessage::hasStatus, WAIT).getStatus();
            assertThat(after.getEventsList()).isEmpty();
        }
    }

    @Test
    void onlyTheControlPlanesCertificateOpensASession() throws Exception {
        HostPort listener = agent.pushAddress().orElseThrow();
        KeyMaterial anotherNode = FakeControlPlane.CA.issueWithNewKey(
                PeerIdentity.node(UUID.randomUUID()), "node-2", List.of(), Duration.ofHours(1));
        KeyMaterial anotherCa = CertificateAuthority.generate("impostor CA", Duration.ofDays(1), Clock.systemUTC())
                .issueWithNewKey(PeerIdentity.controlPlane(), "impostor", List.of(), Duration.ofHours(1));

        for (KeyMaterial impostor : List.of(anotherNode, anotherCa)) {
            try (PushClient session = new PushClient(listener, impostor)) {
                await().until(() -> session.closedWith() != null);
                assertThat(session.closedWith().getCode()).isEqualTo(Status.Code.UNAVAILABLE); // handshake refused
            }
        }
        try (PushClient session = open()) {
            assertThat(session.next(AgentMessage::hasHello, WAIT).getHello().getNodeId())
                    .isEqualTo(FakeControlPlane.NODE_ID);
        }
    }

    @Test
    void aPlaintextClientIsRefused() throws Exception {
        HostPort listener = agent.pushAddress().orElseThrow();
        io.grpc.ManagedChannel plain = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress(
                        listener.host(), listener.port())
                .usePlaintext()
                .build();
        java.util.concurrent.atomic.AtomicReference<Throwable> error =
                new java.util.concurrent.atomic.AtomicReference<>();
        java.util.List<AgentMessage> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            dev.tide.proto.agent.v1.AgentSessionGrpc.newStub(plain).session(new io.grpc.stub.StreamObserver<>() {
                @Override
                public void onNext(AgentMessage message) {
                    received.add(message);
                }

                @Override
                public void onError(Throwable t) {
                    error.set(t);
                }

                @Override
                public void onCompleted() {}
            });
            await().until(() -> error.get() != null);
            assertThat(Status.fromThrowable(error.get()).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(received).isEmpty(); // not even Hello
        } finally {
            plain.shutdownNow();
        }
    }

    @Test
    void aSecondSessionReplacesTheFirst() throws Exception {
        try (PushClient first = open()) {
            first.next(AgentMessage::hasHello, WAIT);
            try (PushClient second = open()) {
                second.next(AgentMessage::hasHello, WAIT);
                await().until(() -> first.closedWith() != null);
                assertThat(first.closedWith().getCode()).isEqualTo(Status.Code.ABORTED);
                assertThat(second.closedWith()).isNull();
            }
        }
    }

    @Test
    void aSessionOrAnApplyFromAnOlderLeaseEpochIsRefusedAndAppliesNothing() throws Exception {
        HostPort listener = agent.pushAddress().orElseThrow();
        byte[] artifact = TestApps.helloTarGz();
        String sha = TestApps.hashOf(artifact);
        DesiredState desired = state(1, hello("1.0.0", sha, artifact.length, "/health", 30));
        try (PushClient owner = PushClient.withLeaseEpoch(listener, 6)) {
            assertThat(owner.next(AgentMessage::hasHello, WAIT).getHello().getLeaseEpoch())
                    .isEqualTo(6);

            // the replica that held epoch 5 still believes it owns the node
            try (PushClient stale = PushClient.withLeaseEpoch(listener, 5)) {
                await().until(() -> stale.closedWith() != null);
                assertThat(stale.closedWith().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
                assertThat(stale.closedWith().getDescription()).contains("stale lease epoch 5", "epoch 6");
            }
            // a control plane without leases is refused too, once the agent follows an epoch
            try (PushClient unfenced = open()) {
                await().until(() -> unfenced.closedWith() != null);
                assertThat(unfenced.closedWith().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
            }
            assertThat(owner.closedWith()).as("the owner's session stays").isNull();

            // an Apply stamped with an older epoch on an open session
            owner.send(apply(desired).toBuilder().setLeaseEpoch(5).build());
            await().until(() -> owner.closedWith() != null);
            assertThat(owner.closedWith().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        }
        await().during(Duration.ofMillis(500))
                .atMost(Duration.ofSeconds(5))
                .until(() -> agent.state().appliedGeneration() == 0
                        && agent.state().apps().isEmpty());

        // the owner dials again and is served
        try (PushClient owner = PushClient.withLeaseEpoch(listener, 6)) {
            owner.next(AgentMessage::hasHello, WAIT);
            owner.send(apply(desired).toBuilder().setLeaseEpoch(6).build());
            assertThat(owner.next(AgentMessage::hasArtifactRequest, WAIT)
                            .getArtifactRequest()
                            .getGeneration())
                    .isEqualTo(1);
        }
    }

    @Test
    void theHighestLeaseEpochSurvivesAnAgentRestart() throws Exception {
        try (PushClient owner = PushClient.withLeaseEpoch(agent.pushAddress().orElseThrow(), 9)) {
            owner.next(AgentMessage::hasHello, WAIT);
        }
        agent.close();
        Agent restarted = harness.start(
                harness.config().listen(new HostPort("127.0.0.1", 0)).build());
        HostPort listener = restarted.pushAddress().orElseThrow();
        try (PushClient stale = PushClient.withLeaseEpoch(listener, 8)) {
            await().until(() -> stale.closedWith() != null);
            assertThat(stale.closedWith().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
        }
        try (PushClient owner = PushClient.withLeaseEpoch(listener, 9)) {
            assertThat(owner.next(AgentMessage::hasHello, WAIT).getHello().getLeaseEpoch())
                    .isEqualTo(9);
        }
    }

    @Test
    void setModeSwitchesPollingOnAndTheControlPlaneSwitchesItOff() throws Exception {
        assertThat(agent.isPolling()).isFalse();
        try (PushClient session = open()) {
            session.next(AgentMessage::hasHello, WAIT);
            cp.setSchedule(FakeControlPlane.watch(5));
            session.send(ControlMessage.newBuilder()
                    .setSetMode(SetMode.newBuilder().setSchedule(FakeControlPlane.watch(5)))
                    .build());
            AgentMessage ack = session.next(AgentMessage::hasModeAck, WAIT);
            assertThat(ack.getModeAck().getMode()).isEqualTo(DeliveryMode.PULL);
        }
        await().until(() -> !cp.polls.isEmpty() && agent.isPolling());
        assertThat(agent.state().schedule().getMode()).isEqualTo(DeliveryMode.PULL);

        cp.setSchedule(FakeControlPlane.push()); // reaches the agent with its next poll answer
        await().until(() -> !agent.isPolling());
        assertThat(agent.state().schedule().getMode()).isEqualTo(DeliveryMode.PUSH);
    }

    @Test
    void eventsThatCouldNotBeSentArriveOnTheNextSessionAfterHello() throws Exception {
        byte[] artifact = TestApps.tarGz(java.util.Map.of("README", "x".getBytes()));
        String sha = TestApps.hashOf(artifact);
        AppRelease unhealthy = AppRelease.newBuilder()
                .setApplication("sleeper")
                .setVersion("1")
                .setArtifactSha256(sha)
                .setArtifactSize(artifact.length)
                .addStart("/bin/sleep")
                .addStart("30")
                .setHealthCheck(HealthCheck.newBuilder()
                        .setCommand(CommandCheck.newBuilder().addArgv("/bin/false"))
                        .setTimeoutSeconds(1))
                .build();
        try (PushClient first = open()) {
            first.next(AgentMessage::hasHello, WAIT);
            first.send(apply(state(1, unhealthy)));
            first.next(AgentMessage::hasArtifactRequest, WAIT);
            streamArtifact(first, sha, artifact);
            first.next(
                    m -> m.hasStatus()
                            && m.getStatus().getEventsList().stream().anyMatch(e -> e.getType() == EventType.DELIVERED),
                    WAIT);
            first.cancel(); // the session drops while the release is being checked
        }
        await().atMost(WAIT).until(() -> agent.state().appliedGeneration() == 1);

        try (PushClient second = open()) {
            AgentMessage hello = second.next(m -> true, WAIT);
            assertThat(hello.hasHello()).isTrue();
            assertThat(hello.getHello().getAppliedGeneration()).isEqualTo(1);
            StatusReport report = second.next(AgentMessage::hasStatus, WAIT).getStatus();
            assertThat(report.getEventsList()).extracting(e -> e.getType()).contains(EventType.APPLY_FAILED);
            assertThat(report.getApplications(0).getState()).isEqualTo(AppState.FAILED);
        }
    }

    private PushClient open() throws javax.net.ssl.SSLException {
        return new PushClient(agent.pushAddress().orElseThrow());
    }

    private static DesiredState state(long generation, AppRelease... apps) {
        return DesiredState.newBuilder()
                .setNodeId(FakeControlPlane.NODE_ID)
                .setNodeName("node-1")
                .setEnvironment(FakeControlPlane.ENVIRONMENT)
                .setGeneration(generation)
                .addAllApplications(java.util.List.of(apps))
                .build();
    }

    private static ControlMessage apply(DesiredState desired) {
        return ControlMessage.newBuilder()
                .setApply(Apply.newBuilder().setState(desired))
                .build();
    }

    private static void streamArtifact(PushClient session, String sha, byte[] bytes) {
        int chunk = 4096;
        for (int offset = 0; offset < bytes.length; offset += chunk) {
            int end = Math.min(bytes.length, offset + chunk);
            session.send(ControlMessage.newBuilder()
                    .setArtifactChunk(ArtifactChunk.newBuilder()
                            .setSha256(sha)
                            .setOffset(offset)
                            .setData(ByteString.copyFrom(bytes, offset, end - offset))
                            .setTotalSize(bytes.length)
                            .setLast(end == bytes.length))
                    .build());
        }
    }

    private static Predicate<AgentMessage> status(long generation, AppState state) {
        return m -> m.hasStatus()
                && m.getStatus().getAppliedGeneration() == generation
                && m.getStatus().getApplicationsList().stream().anyMatch(a -> a.getState() == state);
    }
}
