package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.pki.ControlPlanePki;
import dev.tide.proto.agent.v1.AgentGatewayGrpc;
import dev.tide.proto.agent.v1.EnrollRequest;
import dev.tide.proto.agent.v1.EnrollResponse;
import dev.tide.proto.agent.v1.GetDesiredStateRequest;
import dev.tide.proto.agent.v1.GetDesiredStateResponse;
import dev.tide.proto.agent.v1.RenewCertificateRequest;
import dev.tide.security.Csr;
import dev.tide.security.KeyMaterial;
import dev.tide.security.PeerIdentity;
import dev.tide.security.Pem;
import dev.tide.security.ca.CertificateAuthority;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;

/** The attacks mutual TLS must stop, against the running control plane over real sockets. */
class MutualTlsTests extends IntegrationTest {
    @Autowired
    GrpcServerLifecycle grpcServer;

    @Autowired
    ControlPlanePki pki;

    AgentChannels agents;
    String env;

    @BeforeEach
    void connect() {
        agents = new AgentChannels(grpcServer.getPort(), pki);
        env = createEnvironment("PULL");
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        agents.close();
    }

    @Test
    void aPlaintextClientIsRefused() throws Exception {
        ManagedChannel plain = Grpc.newChannelBuilder(
                        "127.0.0.1:" + grpcServer.getPort(), InsecureChannelCredentials.create())
                .build();
        try {
            StatusRuntimeException refused = refused(() -> AgentGatewayGrpc.newBlockingStub(plain)
                    .withDeadlineAfter(10, TimeUnit.SECONDS)
                    .enroll(EnrollRequest.newBuilder()
                            .setToken(token())
                            .setName("plain")
                            .build()));

            assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(count("select count(*) from node where environment = ?", env))
                    .isZero();
        } finally {
            plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void everyCallButEnrollNeedsANodeCertificate() {
        EnrollResponse node = agents.enroll(token(), "web-1");

        StatusRuntimeException refused = refused(() -> AgentGatewayGrpc.newBlockingStub(agents.anonymous())
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .getDesiredState(GetDesiredStateRequest.newBuilder()
                        .setNodeId(node.getNodeId())
                        .build()));

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(refused.getStatus().getDescription()).contains("node certificate is required");
    }

    @Test
    void everyServiceOnThePortIsDeniedByDefaultNotOnlyTheGateway() {
        io.grpc.health.v1.HealthCheckRequest request = io.grpc.health.v1.HealthCheckRequest.getDefaultInstance();

        // The health check answers anyone who completed TLS; watching it, like any other call, needs a node.
        assertThat(io.grpc.health.v1.HealthGrpc.newBlockingStub(agents.anonymous())
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .check(request)
                        .getStatus())
                .isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
        StatusRuntimeException refused = refused(() -> io.grpc.health.v1.HealthGrpc.newBlockingStub(agents.anonymous())
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .watch(request)
                .hasNext());
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }

    @Test
    void aCertificateFromAnotherCaIsRefusedAtTheHandshake() {
        EnrollResponse node = agents.enroll(token(), "web-1");
        KeyMaterial forged = CertificateAuthority.generate("forger", Duration.ofDays(1), Clock.systemUTC())
                .issueWithNewKey(
                        PeerIdentity.node(UUID.fromString(node.getNodeId())), "web-1", List.of(), Duration.ofHours(1));

        StatusRuntimeException refused = refused(() -> AgentGatewayGrpc.newBlockingStub(agents.presenting(forged))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .getDesiredState(GetDesiredStateRequest.newBuilder()
                        .setNodeId(node.getNodeId())
                        .build()));

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    }

    @Test
    void removingANodeRevokesItsCertificateForNewCallsAndParkedWatches() throws Exception {
        EnrollResponse node = agents.enroll(token(), "doomed");
        ManagedChannel channel = agents.channel(node);
        GetDesiredStateResponse now = AgentGatewayGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .getDesiredState(GetDesiredStateRequest.newBuilder()
                        .setNodeId(node.getNodeId())
                        .build());
        long generation = now.hasState() ? now.getState().getGeneration() : 0;
        CompletableFuture<GetDesiredStateResponse> watch = agents.watch(node, generation, 50);

        as(admin()).delete("/api/v1/nodes/{id}", node.getNodeId()).expect(204);

        Throwable ended = catchThrowable(() -> watch.get(10, TimeUnit.SECONDS));
        assertThat(Status.fromThrowable(ended).getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        StatusRuntimeException refused = refused(() -> desiredState(channel, node.getNodeId()));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(refused.getStatus().getDescription()).contains("removed");
    }

    @Test
    void aNodeThatConnectsAgainIsNotVerifiedAgainButItsRemovalStillCounts() throws Exception {
        EnrollResponse node = agents.enroll(token(), "returning");
        KeyMaterial material = agents.material(node);
        desiredState(agents.presenting(material), node.getNodeId()); // its first connection with this chain
        long verified = pki.nodeTrust().signatureChecks();
        long known = pki.nodeTrust().knownChains();

        desiredState(agents.presenting(material), node.getNodeId()); // a new connection, a new handshake
        desiredState(agents.presenting(material), node.getNodeId());

        assertThat(pki.nodeTrust().signatureChecks())
                .as("chains verified in full")
                .isEqualTo(verified);
        assertThat(pki.nodeTrust().knownChains()).as("chains known").isGreaterThanOrEqualTo(known + 2);
        assertThat(anonymous().get("/actuator/prometheus").expect(200).body().lines())
                .filteredOn(l -> l.startsWith("tide_agent_certificate_checks_total{"))
                .anyMatch(l -> l.contains("chain=\"known\""))
                .anyMatch(l -> l.contains("chain=\"verified\""));

        as(admin()).delete("/api/v1/nodes/{id}", node.getNodeId()).expect(204);
        StatusRuntimeException refused = refused(() -> desiredState(agents.presenting(material), node.getNodeId()));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(refused.getStatus().getDescription()).contains("removed");
    }

    @Test
    void aRetriedEnrollmentGetsTheSameNodeAndTakesNoSecondUse() throws Exception {
        String token = token();
        KeyPair keys = KeyMaterial.generateKeyPair();
        EnrollRequest.Builder request = enrollment(token, "retried", keys);

        EnrollResponse first = agents.enroll(request.clone());
        EnrollResponse again = agents.enroll(request.clone()); // the first reply was "lost"

        assertThat(again.getNodeId()).isEqualTo(first.getNodeId());
        assertThat(Pem.parseCertificates(again.getCertificateChainPem()).get(0).getPublicKey())
                .isEqualTo(keys.getPublic());
        assertThat(count("select count(*) from node where environment = ?", env))
                .isEqualTo(1);
        assertThat(count("select uses from enrollment_token where environment = ?", env))
                .isEqualTo(1);
        // Another key under the same name is not a retry.
        StatusRuntimeException other = refused(
                () -> agents.enroll(EnrollRequest.newBuilder().setToken(token).setName("retried")));
        assertThat(other.getStatus().getCode()).isIn(Status.Code.ALREADY_EXISTS, Status.Code.PERMISSION_DENIED);
    }

    @Test
    void retriesThatArriveWhileTheFirstIsStillHandledAllGetTheSameNode() throws Exception {
        String token = token();
        KeyPair keys = KeyMaterial.generateKeyPair();
        EnrollRequest.Builder request = enrollment(token, "impatient", keys);
        // An agent whose calls time out on a busy control plane: the same request, overlapping.
        List<CompletableFuture<EnrollResponse>> calls = new java.util.ArrayList<>();
        for (int i = 0; i < 6; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> agents.enroll(request.clone())));
        }

        java.util.Set<String> nodeIds = new java.util.HashSet<>();
        for (CompletableFuture<EnrollResponse> call : calls) {
            nodeIds.add(call.get(30, TimeUnit.SECONDS).getNodeId());
        }

        assertThat(nodeIds).hasSize(1);
        assertThat(count("select count(*) from node where environment = ?", env))
                .isEqualTo(1);
        assertThat(count("select uses from enrollment_token where environment = ?", env))
                .isEqualTo(1);
    }

    @Test
    void aNodeEnrolledAgainWithATokenForItKeepsItsIdAndHistoryAndItsOldCertificateIsRefused() throws Exception {
        EnrollResponse old = agents.enroll(token(), "rebound");
        KeyMaterial oldIdentity = agents.material(old);
        long oldIssued = oldIdentity.chain().get(0).getNotBefore().getTime() / 1000;
        // certificates are told apart by their notBefore, to the second
        await().until(() ->
                java.time.Instant.now().minus(CertificateAuthority.BACKDATING).getEpochSecond() > oldIssued);
        String forTheNode = as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", Map.of("node", "rebound"), env)
                .expect(201)
                .text("/token");

        EnrollResponse again = agents.enroll(forTheNode, "rebound");

        assertThat(again.getNodeId()).isEqualTo(old.getNodeId());
        assertThat(count("select count(*) from node where environment = ?", env))
                .isEqualTo(1);
        ManagedChannel oldChannel = agents.presenting(oldIdentity); // the wiped agent's certificate, kept by someone
        StatusRuntimeException refused = refused(() -> desiredState(oldChannel, old.getNodeId()));
        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
        assertThat(refused.getStatus().getDescription()).contains("enrolled again");
        assertThat(agents.gateway(again)
                        .getDesiredState(GetDesiredStateRequest.newBuilder()
                                .setNodeId(again.getNodeId())
                                .build())
                        .hasSchedule())
                .isTrue();
        assertThat(count(
                        "select count(*) from audit_event where action = 'node.reenroll' and subject = ?",
                        "node/" + old.getNodeId()))
                .isEqualTo(1);
        // the token was for one enrollment
        assertThat(refused(() -> agents.enroll(forTheNode, "rebound"))
                        .getStatus()
                        .getCode())
                .isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    @Test
    void aPlainTokenForAnEnrolledNameIsRefusedNamingBothWaysOn() {
        agents.enroll(token(), "taken");
        String token = token();

        StatusRuntimeException refused = refused(() -> agents.enroll(token, "taken"));

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(refused.getStatus().getDescription())
                .contains("tide env tokens create " + env + " --node taken")
                .contains("\"node\":\"taken\"")
                .contains("tide node remove taken -e " + env)
                .contains("DELETE /api/v1/nodes/");
        assertThat(count("select count(*) from enrollment_token where environment = ? and uses = 0", env))
                .as("the refused enrollment took no use")
                .isEqualTo(1);
    }

    @Test
    void aTokenForOneNodeEnrollsNoOtherNameAndIsValidatedWhenMade() {
        String forWeb1 = as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", Map.of("node", "web-1"), env)
                .expect(201)
                .text("/token");

        StatusRuntimeException refused = refused(() -> agents.enroll(forWeb1, "web-2"));

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(refused.getStatus().getDescription()).contains("--name web-1");
        assertThat(agents.enroll(forWeb1, "web-1").getNodeId()).isNotBlank(); // a new node under that name
        as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", Map.of("node", "Not A Name!"), env)
                .expectProblem(400, "node");
        as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", Map.of("node", "web-1", "maxUses", 3), env)
                .expectProblem(400, "maxUses");
    }

    private static GetDesiredStateResponse desiredState(ManagedChannel channel, String nodeId) {
        return AgentGatewayGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .getDesiredState(
                        GetDesiredStateRequest.newBuilder().setNodeId(nodeId).build());
    }

    private static EnrollRequest.Builder enrollment(String token, String name, KeyPair keys) throws Exception {
        return EnrollRequest.newBuilder()
                .setToken(token)
                .setName(name)
                .setCsr(ByteString.copyFrom(Csr.create(keys, name)));
    }

    @Test
    void aBadCertificateRequestIsInvalidArgumentNamingTheField() {
        StatusRuntimeException refused = refused(() -> AgentGatewayGrpc.newBlockingStub(agents.anonymous())
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .enroll(EnrollRequest.newBuilder()
                        .setToken(token())
                        .setName("bad-csr")
                        .setCsr(ByteString.copyFromUtf8("not a csr"))
                        .build()));

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(refused.getStatus().getDescription()).contains("csr");
        assertThat(count("select count(*) from node where environment = ?", env))
                .isZero();
    }

    @Test
    void aNodeRenewsItsCertificateForANewKey() throws Exception {
        EnrollResponse node = agents.enroll(token(), "renewer");
        KeyPair next = KeyMaterial.generateKeyPair();
        pki.nodeTrust()
                .checkClientTrusted(agents.material(node).chain().toArray(X509Certificate[]::new), "EC"); // DEBUG

        String chain = AgentGatewayGrpc.newBlockingStub(agents.channel(node))
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .renewCertificate(RenewCertificateRequest.newBuilder()
                        .setCsr(ByteString.copyFrom(Csr.create(next, "renewer")))
                        .build())
                .getCertificateChainPem();

        X509Certificate leaf = Pem.parseCertificates(chain).get(0);
        assertThat(leaf.getPublicKey()).isEqualTo(next.getPublic());
        assertThat(PeerIdentity.of(leaf)).contains(PeerIdentity.node(UUID.fromString(node.getNodeId())));
        ManagedChannel renewed = agents.presenting(new KeyMaterial(next.getPrivate(), Pem.parseCertificates(chain)));
        assertThat(AgentGatewayGrpc.newBlockingStub(renewed)
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getDesiredState(GetDesiredStateRequest.newBuilder()
                                .setNodeId(node.getNodeId())
                                .build())
                        .hasSchedule())
                .isTrue();
        await().until(() -> count(
                        "select count(*) from audit_event where action = 'node.certificate.renew' and subject = ?",
                        "node/" + node.getNodeId())
                == 1);
    }

    private String token() {
        return as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", Map.of(), env)
                .expect(201)
                .text("/token");
    }

    private static StatusRuntimeException refused(Runnable call) {
        Throwable thrown = catchThrowable(call::run);
        assertThat(thrown).isInstanceOf(StatusRuntimeException.class);
        return (StatusRuntimeException) thrown;
    }
}
