package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.pki.ControlPlanePki;
import dev.tide.controlplane.security.Secrets;
import dev.tide.proto.agent.v1.AgentGatewayGrpc;
import dev.tide.proto.agent.v1.ArtifactChunk;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.EnrollRequest;
import dev.tide.proto.agent.v1.EnrollResponse;
import dev.tide.proto.agent.v1.Event;
import dev.tide.proto.agent.v1.EventType;
import dev.tide.proto.agent.v1.FetchArtifactRequest;
import dev.tide.proto.agent.v1.GetDesiredStateRequest;
import dev.tide.proto.agent.v1.GetDesiredStateResponse;
import dev.tide.proto.agent.v1.StatusReport;
import dev.tide.security.PeerIdentity;
import dev.tide.security.Pem;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;
import tools.jackson.databind.JsonNode;

/** The agent gateway over real gRPC against the running control plane and its PostgreSQL. */
class AgentGatewayTests extends IntegrationTest {
    @Autowired
    GrpcServerLifecycle grpcServer;

    @Autowired
    WatchRegistry watches;

    @Autowired
    ControlPlanePki pki;

    @Autowired
    ReconnectPace pace;

    @Autowired
    AgentConnectionLimit connectionLimit;

    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;

    AgentChannels agents;
    ManagedChannel channel;
    String env;

    @BeforeEach
    void connect() {
        agents = new AgentChannels(grpcServer.getPort(), pki);
        channel = agents.anonymous();
        env = createEnvironment("PULL");
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        agents.close();
    }

    @Test
    void anEnrollmentTokenEnrollsOnceAndCertifiesTheNodesOwnKey() throws Exception {
        String token = enrollmentToken();
        EnrollResponse enrolled = enroll(token, "web-1");

        assertThat(token).endsWith("." + pki.caFingerprint()); // the agent pins the CA with it
        assertThat(enrolled.getEnvironment()).isEqualTo(env);
        assertThat(enrolled.getSchedule().getMode()).isEqualTo(DeliveryMode.PULL);
        java.security.cert.X509Certificate leaf =
                Pem.parseCertificates(enrolled.getCertificateChainPem()).get(0);
        assertThat(PeerIdentity.of(leaf)).contains(PeerIdentity.node(UUID.fromString(enrolled.getNodeId())));
        assertThat(leaf.getPublicKey())
                .isEqualTo(agents.material(enrolled).leaf().getPublicKey());
        assertThat(Pem.parseCertificates(enrolled.getCaCertificatePem())).containsExactly(pki.caCertificate());
        assertThat(count(
                        "select count(*) from node where public_key_sha256 = ?",
                        dev.tide.security.Fingerprints.sha256(
                                leaf.getPublicKey().getEncoded())))
                .isEqualTo(1);
        assertStatus(() -> enroll(token, "web-2"), Status.Code.PERMISSION_DENIED);
    }

    @Test
    void everyScheduleGivesTheAgentsAReconnectCapSizedToTheFleet() {
        EnrollResponse enrolled = enroll(enrollmentToken(), "paced");
        assertThat(enrolled.getSchedule().getReconnectCapSeconds()).isBetween(5, 300);

        pace.count(); // what the control plane does every 30 s in the background
        long nodes = count("select count(*) from node");
        int cap = ReconnectPace.capSeconds(nodes, 200);
        assertThat(nodes).as("this suite's fleet is small").isLessThan(1000);
        assertThat(cap).as("a small fleet is back within seconds of an outage").isEqualTo(5);
        assertThat(gateway(enrolled).getDesiredState(request(enrolled, 0, 0)).getSchedule())
                .satisfies(s -> assertThat(s.getReconnectCapSeconds()).isEqualTo(cap))
                .satisfies(s -> assertThat(s.getMode()).isEqualTo(DeliveryMode.PULL));
    }

    @Test
    void theAgentServerCountsItsConnectionsAgainstALimitBelowTheDescriptorLimit() {
        EnrollResponse enrolled = enroll(enrollmentToken(), "counted");
        gateway(enrolled).getDesiredState(request(enrolled, 0, 0));

        assertThat(connectionLimit.open())
                .as("the enrolment's and the node's connections")
                .isPositive();
        assertThat(meters.get("tide.agent.connections").gauge().value()).isEqualTo(connectionLimit.open());
        long descriptors = ((com.sun.management.UnixOperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getMaxFileDescriptorCount();
        assertThat(connectionLimit.limit())
                .isEqualTo(AgentConnectionLimit.fromDescriptorLimit(descriptors))
                .isLessThan((int) Math.min(Integer.MAX_VALUE, descriptors));
    }

    @Test
    void thePushSessionsTheControlPlaneDialsCountAgainstTheSameLimit() throws Exception {
        String pushEnv = createEnvironment("PUSH");
        try (FakePushAgent agent = new FakePushAgent(pki)) {
            EnrollResponse pusher = agents.enroll(EnrollRequest.newBuilder()
                    .setToken(enrollmentToken(pushEnv))
                    .setName("dialled")
                    .putLabels("port", "8080")
                    .setPushEndpoint(agent.endpoint()));
            agent.enrolled(pusher.getNodeId(), agents.material(pusher));
            await().atMost(java.time.Duration.ofSeconds(20)).until(() -> agent.open.get() == 1);
            assertThat(connectionLimit.outbound())
                    .as("the session dialled to the agent")
                    .isPositive();
        }
    }

    @Test
    void anExpiredOrUnknownTokenIsRefused() {
        String secret = "tide_enroll_expired-" + UUID.randomUUID();
        jdbc.update(
                "insert into enrollment_token (id, environment, token_hash, created_by, created_at, expires_at)"
                        + " values (?, ?, ?, 'it', now() - interval '2 hours', now() - interval '1 hour')",
                UUID.randomUUID(),
                env,
                Secrets.hash(secret));

        assertStatus(() -> enroll(secret, "late"), Status.Code.PERMISSION_DENIED);
        assertStatus(() -> enroll("tide_enroll_made-up", "nobody"), Status.Code.PERMISSION_DENIED);
        assertThat(count("select count(*) from node where environment = ?", env))
                .isZero();
    }

    @Test
    void aRefusedEnrollmentLeavesTheTokenUsable() {
        String token = enrollmentToken();

        assertStatus(() -> enroll(token, "Not A Valid Name"), Status.Code.INVALID_ARGUMENT);
        enroll(token, "valid-name");
        assertStatus(() -> enroll(token, "valid-name-2"), Status.Code.PERMISSION_DENIED);
    }

    @Test
    void aNodeCredentialReadsAndReportsOnlyItsOwnNode() {
        EnrollResponse a = enroll(enrollmentToken(), "a");
        EnrollResponse b = enroll(enrollmentToken(), "b");

        assertThat(gateway(a).getDesiredState(request(a, 0, 0)).getUnchanged()).isTrue();
        assertStatus(() -> gateway(a).getDesiredState(request(b, 0, 0)), Status.Code.PERMISSION_DENIED);
        assertStatus(
                () -> gateway(a)
                        .reportStatus(StatusReport.newBuilder()
                                .setNodeId(b.getNodeId())
                                .build()),
                Status.Code.PERMISSION_DENIED);
        assertStatus(
                () -> AgentGatewayGrpc.newBlockingStub(channel).getDesiredState(request(a, 0, 0)),
                Status.Code.UNAUTHENTICATED);
    }

    @Test
    void aWatchIsAnsweredAsSoonAsTheNodesGenerationMoves() throws Exception {
        EnrollResponse node = enroll(enrollmentToken(), "watcher");
        CompletableFuture<GetDesiredStateResponse> poll = watch(node, 0, 30);
        assertThat(poll).isNotDone();

        String app = createApplication();
        String sha = uploadArtifact(randomBytes(2048));
        as(admin())
                .post("/api/v1/applications/{app}/releases", releaseBody("1.0.0", sha), app)
                .expect(201);
        String deployment = deploy(app, "1.0.0");

        GetDesiredStateResponse answer = poll.get(10, TimeUnit.SECONDS);
        assertThat(answer.getUnchanged()).isFalse();
        assertThat(answer.getState().getGeneration()).isPositive();
        assertThat(answer.getState().getApplicationsList()).singleElement().satisfies(r -> {
            assertThat(r.getApplication()).isEqualTo(app);
            assertThat(r.getArtifactSha256()).isEqualTo(sha);
        });
        long generation = answer.getState().getGeneration();
        // Asked again with the generation it has, the answer is "unchanged".
        assertThat(gateway(node).getDesiredState(request(node, generation, 0)).getUnchanged())
                .isTrue();

        // The agent reports; the target moves through its timestamps and the deployment ends.
        Instant now = Instant.now();
        gateway(node)
                .reportStatus(AgentChannels.healthyReport(node.getNodeId(), answer.getState())
                        .addEvents(event(generation, app, EventType.DELIVERED, now.minusMillis(300)))
                        .addEvents(event(generation, app, EventType.APPLIED, now.minusMillis(200)))
                        .addEvents(event(generation, app, EventType.BECAME_HEALTHY, now.minusMillis(100)))
                        .build());
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode d = as(viewer())
                    .get("/api/v1/deployments/{id}", deployment)
                    .expect(200)
                    .json();
            assertThat(d.path("state").asString()).isEqualTo("SUCCEEDED");
            JsonNode target = d.path("targets").path(0);
            assertThat(target.path("state").asString()).isEqualTo("HEALTHY");
            assertThat(Instant.parse(target.path("healthyAt").asString()))
                    .isAfter(Instant.parse(target.path("appliedAt").asString()));
        });
        JsonNode nodeView = as(viewer())
                .get("/api/v1/nodes/{id}", node.getNodeId())
                .expect(200)
                .json();
        assertThat(nodeView.path("converged").asBoolean()).isTrue();
        assertThat(nodeView.path("ackedMode").asString()).isEqualTo("PULL");
    }

    @Test
    void aModeSwitchAnswersParkedWatchesWithTheNewSchedule() throws Exception {
        EnrollResponse node = enroll(enrollmentToken(), "switcher");
        int parkedBefore = watches.parked();
        CompletableFuture<GetDesiredStateResponse> poll = watch(node, 0, 30);
        // The switch must find the poll parked; one still in flight learns it when its wait ends.
        await().atMost(Duration.ofSeconds(10)).until(() -> watches.parked() > parkedBefore);

        as(admin())
                .patch("/api/v1/environments/{env}", Map.of("mode", "PUSH"), env)
                .expect(200);

        GetDesiredStateResponse answer = poll.get(10, TimeUnit.SECONDS);
        assertThat(answer.getUnchanged()).isTrue();
        assertThat(answer.getSchedule().getMode()).isEqualTo(DeliveryMode.PUSH);
    }

    @Test
    void aCheckInMovesTheNodesPushEndpointAndABadOneIsRefusedByName() {
        EnrollResponse node = enroll(enrollmentToken(), "mover");

        gateway(node)
                .reportStatus(StatusReport.newBuilder()
                        .setNodeId(node.getNodeId())
                        .setPushEndpoint("10.9.8.7:7070")
                        .build());
        assertThat(as(admin())
                        .get("/api/v1/nodes/{id}", node.getNodeId())
                        .expect(200)
                        .json()
                        .path("pushEndpoint")
                        .asString())
                .isEqualTo("10.9.8.7:7070");

        StatusRuntimeException refused = org.junit.jupiter.api.Assertions.assertThrows(
                StatusRuntimeException.class,
                () -> gateway(node)
                        .reportStatus(StatusReport.newBuilder()
                                .setNodeId(node.getNodeId())
                                .setPushEndpoint("no port here")
                                .build()));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(refused.getStatus().getDescription()).contains("push_endpoint");
        assertThat(count(
                        "select count(*) from node where id = ? and push_endpoint = '10.9.8.7:7070'",
                        UUID.fromString(node.getNodeId())))
                .isEqualTo(1);
    }

    @Test
    void aWatchSentBeforeAModeSwitchButArrivingAfterItIsAnsweredAtOnce() throws Exception {
        EnrollResponse node = enroll(enrollmentToken(), "in-flight");
        long followed = node.getSchedule().getVersion();
        assertThat(followed).isPositive();
        // parks while the agent follows the schedule in force
        CompletableFuture<GetDesiredStateResponse> current = agents.watch(
                node,
                AgentChannels.request(node, 0, 30).toBuilder()
                        .setKnownScheduleVersion(followed)
                        .build());
        assertThat(current)
                .failsWithin(Duration.ofMillis(300))
                .withThrowableThat()
                .isInstanceOf(TimeoutException.class);

        as(admin())
                .patch("/api/v1/environments/{env}", Map.of("mode", "PUSH"), env)
                .expect(200);
        assertThat(current.get(10, TimeUnit.SECONDS).getSchedule().getMode()).isEqualTo(DeliveryMode.PUSH);

        // the same poll, on its way while the switch happened: no wait
        long start = System.nanoTime();
        GetDesiredStateResponse answer = agents.watch(
                        node,
                        AgentChannels.request(node, 0, 30).toBuilder()
                                .setKnownScheduleVersion(followed)
                                .build())
                .get(10, TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(answer.getUnchanged()).isTrue();
        assertThat(answer.getSchedule().getMode()).isEqualTo(DeliveryMode.PUSH);
        assertThat(answer.getSchedule().getVersion()).isGreaterThan(followed);
    }

    @Test
    void aNodeFetchesOnlyArtifactsOfItsOwnDesiredStateAndCanResume() throws Exception {
        EnrollResponse node = enroll(enrollmentToken(), "fetcher");
        byte[] bytes = randomBytes(700_000);
        String sha = uploadArtifact(bytes);
        String other = uploadArtifact(randomBytes(100));
        String app = createApplication();
        as(admin())
                .post("/api/v1/applications/{app}/releases", releaseBody("1.0.0", sha), app)
                .expect(201);

        assertStatus(() -> fetch(node, sha, 0), Status.Code.PERMISSION_DENIED);
        deploy(app, "1.0.0");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> !gateway(node).getDesiredState(request(node, 0, 0)).getUnchanged());

        assertThat(fetch(node, sha, 0)).isEqualTo(bytes);
        assertThat(fetch(node, sha, 500_000)).isEqualTo(java.util.Arrays.copyOfRange(bytes, 500_000, bytes.length));
        assertStatus(() -> fetch(node, other, 0), Status.Code.PERMISSION_DENIED);
    }

    @Test
    void aNodeReceivesSecretEnvValuesInItsProcessEnvironment() throws Exception {
        EnrollResponse node = enroll(enrollmentToken(), "secrets");
        String app = createApplication();
        Map<String, Object> release = releaseBody("1.0.0", uploadArtifact(randomBytes(64)));
        release.put("env", Map.of("PORT", "${node.label.port}"));
        release.put("secretEnv", Map.of("DB_PASSWORD", "not-for-viewers"));
        as(deployer()).post("/api/v1/applications/{app}/releases", release, app).expect(201);

        deploy(app, "1.0.0");
        GetDesiredStateResponse answer = await().atMost(Duration.ofSeconds(10))
                .until(() -> gateway(node).getDesiredState(request(node, 0, 0)), r -> !r.getUnchanged());

        assertThat(answer.getState().getApplicationsList())
                .singleElement()
                .satisfies(r -> assertThat(r.getEnvMap())
                        .containsExactlyInAnyOrderEntriesOf(
                                Map.of("PORT", "${node.label.port}", "DB_PASSWORD", "not-for-viewers")));
    }

    // ---- helpers ----

    private String enrollmentToken() {
        return enrollmentToken(env);
    }

    private String enrollmentToken(String environment) {
        return as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", Map.of(), environment)
                .expect(201)
                .text("/token");
    }

    private EnrollResponse enroll(String token, String name) {
        return agents.enroll(token, name);
    }

    private String deploy(String app, String version) {
        return as(deployer())
                .post(
                        "/api/v1/deployments",
                        Map.of("environment", env, "releases", List.of(Map.of("application", app, "version", version))))
                .expect(201)
                .text("/id");
    }

    private AgentGatewayGrpc.AgentGatewayBlockingStub gateway(EnrollResponse node) {
        return agents.gateway(node);
    }

    private CompletableFuture<GetDesiredStateResponse> watch(EnrollResponse node, long known, int waitSeconds) {
        return agents.watch(node, known, waitSeconds);
    }

    private byte[] fetch(EnrollResponse node, String sha, long offset) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Iterator<ArtifactChunk> chunks = gateway(node)
                .fetchArtifact(FetchArtifactRequest.newBuilder()
                        .setSha256(sha)
                        .setOffset(offset)
                        .build());
        long expected = offset;
        while (chunks.hasNext()) {
            ArtifactChunk chunk = chunks.next();
            assertThat(chunk.getOffset()).isEqualTo(expected);
            expected += chunk.getData().size();
            out.writeBytes(chunk.getData().toByteArray());
        }
        return out.toByteArray();
    }

    private static GetDesiredStateRequest request(EnrollResponse node, long known, int wait) {
        return AgentChannels.request(node, known, wait);
    }

    private static Event event(long generation, String app, EventType type, Instant at) {
        return Event.newBuilder()
                .setGeneration(generation)
                .setApplication(app)
                .setVersion("1.0.0")
                .setType(type)
                .setAt(Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()))
                .build();
    }

    private static void assertStatus(Runnable call, Status.Code code) {
        assertThatThrownBy(call::run)
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(code));
    }
}
