package dev.tide.controlplane.delivery;

import static dev.tide.controlplane.ReleaseSigning.keyId;
import static dev.tide.controlplane.ReleaseSigning.keySet;
import static dev.tide.controlplane.ReleaseSigning.newKey;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Timestamp;
import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.ReleaseSigning;
import dev.tide.controlplane.application.ArtifactRepository;
import dev.tide.controlplane.application.ReleaseRepository;
import dev.tide.controlplane.pki.ControlPlanePki;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.DesiredState;
import dev.tide.proto.agent.v1.EnrollResponse;
import dev.tide.proto.agent.v1.GetDesiredStateResponse;
import dev.tide.proto.agent.v1.HealthCheck;
import dev.tide.security.release.ReleaseKeySet;
import dev.tide.security.release.ReleaseManifest;
import dev.tide.security.release.ReleaseVerifier;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;

/**
 * Release keys and signatures reach agents over real gRPC: at enrollment, and as part of each
 * node's desired state, whose generation moves when the environment's key set is replaced.
 */
class ReleaseKeyDeliveryTests extends IntegrationTest {
    @Autowired
    GrpcServerLifecycle grpcServer;

    @Autowired
    ControlPlanePki pki;

    @Autowired
    ReleaseRepository releases;

    @Autowired
    ArtifactRepository artifacts;

    AgentChannels agents;
    String env;
    KeyPair first;

    @BeforeEach
    void environmentWithKeys() {
        agents = new AgentChannels(grpcServer.getPort(), pki);
        env = createEnvironment("PULL");
        first = newKey();
        putKeys(keySet(env, 1, true, List.of(first), first));
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        agents.close();
    }

    @Test
    void anAgentPinsTheKeysAtEnrollmentAndIsGivenTheNextSetWithANewGeneration() throws Exception {
        EnrollResponse node = agents.enroll(enrollmentToken(), "web-1");
        ReleaseKeySet.Signed pinned = signed(node.getReleaseKeys());
        assertThat(pinned.keySet().version()).isEqualTo(1);
        assertThat(pinned.keySet().requireSignatures()).isTrue();
        assertThat(pinned.keySet().keys())
                .extracting(ReleaseKeySet.TrustedKey::id)
                .containsExactly(keyId(first));
        assertThatCode(() -> ReleaseKeySet.checkSuccessor(null, pinned)).doesNotThrowAnyException();
        CompletableFuture<GetDesiredStateResponse> watch = agents.watch(node, 0, 30);

        KeyPair second = newKey();
        putKeys(keySet(env, 2, true, List.of(second), first));

        GetDesiredStateResponse answer = watch.get(10, TimeUnit.SECONDS);
        assertThat(answer.getUnchanged()).isFalse();
        DesiredState state = answer.getState();
        assertThat(state.getGeneration()).isPositive();
        assertThat(state.getApplicationsList()).isEmpty();
        ReleaseKeySet.Signed next = signed(state.getReleaseKeys());
        assertThat(next.keySet().version()).isEqualTo(2);
        // What the agent checks before it replaces the set it pinned.
        assertThatCode(() -> ReleaseKeySet.checkSuccessor(pinned.keySet(), next))
                .doesNotThrowAnyException();
        assertThat(agents.gateway(node)
                        .getDesiredState(AgentChannels.request(node, state.getGeneration(), 0))
                        .getUnchanged())
                .isTrue();

        KeyPair third = newKey();
        putKeys(keySet(env, 3, false, List.of(third), second));
        GetDesiredStateResponse again =
                agents.gateway(node).getDesiredState(AgentChannels.request(node, state.getGeneration(), 0));
        assertThat(again.getState().getGeneration()).isGreaterThan(state.getGeneration());
        assertThat(again.getState().getReleaseKeys().getVersion()).isEqualTo(3);
        assertThat(agents.enroll(enrollmentToken(), "web-2").getReleaseKeys().getVersion())
                .isEqualTo(3);
    }

    @Test
    void anEnvironmentWithoutKeysSendsNone() {
        String plain = createEnvironment("PULL");
        String token = as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", Map.of(), plain)
                .expect(201)
                .text("/token");

        assertThat(agents.enroll(token, "plain-1").hasReleaseKeys()).isFalse();
    }

    @Test
    void aSignedReleaseIsDeliveredWithWhatItsSignatureCovers() throws Exception {
        EnrollResponse node = agents.enroll(enrollmentToken(), "web-1");
        String dependency = createApplication();
        String app = createApplication(dependency);
        String sha = uploadArtifact(randomBytes(512));
        Instant issuedAt = ReleaseSigning.now();
        Map<String, Object> depBody = releaseBody("1.0.0", sha);
        as(deployer())
                .post(
                        "/api/v1/applications/{app}/releases",
                        ReleaseSigning.sign(depBody, dependency, List.of(), first, issuedAt),
                        dependency)
                .expect(201);
        Map<String, Object> body = releaseBody("1.0.0", sha);
        body.put("env", Map.of("PORT", "${node.label.port}"));
        body.put("secretEnv", Map.of("API_KEY", "s3cret"));
        body.put("healthCheck", Map.of("tcp", Map.of("port", 8080)));
        as(deployer())
                .post(
                        "/api/v1/applications/{app}/releases",
                        ReleaseSigning.sign(body, app, List.of(dependency), first, issuedAt),
                        app)
                .expect(201);

        as(deployer())
                .post("/api/v1/deployments", deploymentBody(env, Map.of(dependency, "1.0.0", app, "1.0.0")))
                .expect(201);

        // The first stage (the dependency) is released at once; the agent never reports here,
        // so only it arrives.
        AppRelease delivered = await().atMost(Duration.ofSeconds(10))
                .until(
                        () -> agents.gateway(node)
                                .getDesiredState(AgentChannels.request(node, 0, 0))
                                .getState()
                                .getApplicationsList(),
                        apps -> !apps.isEmpty())
                .get(0);
        assertThat(delivered.getApplication()).isEqualTo(dependency);
        assertThat(delivered.getSignature().getKeyId()).isEqualTo(keyId(first));
        assertThat(delivered.getSignature().getIssuedAt().getSeconds()).isEqualTo(issuedAt.getEpochSecond());
        ReleaseKeySet trust = signed(node.getReleaseKeys()).keySet();
        assertThatCode(() -> agentCheck(trust, delivered)).doesNotThrowAnyException();

        // The dependent release, as its agent would get it once the dependency is healthy.
        AppRelease dependent = DesiredStateMapper.appRelease(
                releases.findByApplicationAndVersion(app, "1.0.0").orElseThrow(),
                artifacts.findById(sha).orElseThrow(),
                List.of(dependency));
        assertThat(dependent.getSignature().getDependsOnList()).containsExactly(dependency);
        assertThat(dependent.getSignature().getSecretEnvNamesList()).containsExactly("API_KEY");
        assertThat(dependent.getEnvMap()).containsEntry("API_KEY", "s3cret");
        assertThatCode(() -> agentCheck(trust, dependent)).doesNotThrowAnyException();
        AppRelease tampered = dependent.toBuilder().setStart(0, "bin/evil").build();
        assertThat(catchThrowable(() -> agentCheck(trust, tampered))).isInstanceOf(ReleaseKeySet.TrustException.class);
    }

    // ---- helpers ----

    private void putKeys(Map<String, Object> body) {
        as(admin()).put("/api/v1/environments/{env}/release-keys", body, env).expect(200);
    }

    private String enrollmentToken() {
        return as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", Map.of(), env)
                .expect(201)
                .text("/token");
    }

    /**
     * The agent's check of a release it received: the manifest rebuilt from the message (plain
     * env without the secret names' values, signed dependencies), verified with its pinned keys.
     */
    private static void agentCheck(ReleaseKeySet trust, AppRelease r) throws ReleaseKeySet.TrustException {
        Map<String, String> plain = new HashMap<>(r.getEnvMap());
        r.getSignature().getSecretEnvNamesList().forEach(plain::remove);
        ReleaseManifest manifest = new ReleaseManifest(
                r.getApplication(),
                r.getVersion(),
                r.getArtifactSha256(),
                r.getStartList(),
                plain,
                r.getSignature().getSecretEnvNamesList(),
                r.getConfigFilesMap(),
                r.hasHealthCheck() ? healthCheck(r.getHealthCheck()) : null,
                r.getRunAs(),
                r.getSignature().getDependsOnList(),
                instant(r.getSignature().getIssuedAt()));
        assertThat(r.getSignature().getDependsOnList()).containsAll(r.getDependsOnList());
        ReleaseVerifier.check(
                trust,
                manifest,
                r.getSignature().getKeyId(),
                r.getSignature().getValue().toByteArray(),
                null,
                false);
    }

    private static Map<String, Object> healthCheck(HealthCheck h) {
        return switch (h.getKindCase()) {
            case HTTP ->
                ReleaseManifest.httpCheck(h.getHttp().getPort(), h.getHttp().getPath(), h.getTimeoutSeconds());
            case TCP -> ReleaseManifest.tcpCheck(h.getTcp().getPort(), h.getTimeoutSeconds());
            case COMMAND -> ReleaseManifest.commandCheck(h.getCommand().getArgvList(), h.getTimeoutSeconds());
            default -> null;
        };
    }

    private static ReleaseKeySet.Signed signed(dev.tide.proto.agent.v1.ReleaseKeySet proto) {
        return new ReleaseKeySet.Signed(
                new ReleaseKeySet(
                        proto.getEnvironment(),
                        proto.getVersion(),
                        proto.getRequireSignatures(),
                        proto.getKeysList().stream()
                                .map(k -> new ReleaseKeySet.TrustedKey(
                                        k.getId(), k.getPublicKey().toByteArray(), k.getName()))
                                .toList(),
                        instant(proto.getIssuedAt())),
                proto.getSignedBy(),
                proto.getSignature().toByteArray());
    }

    private static Instant instant(Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }
}
