package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.tide.controlplane.IntegrationTest;
import dev.tide.proto.agent.v1.AgentGatewayGrpc;
import dev.tide.proto.agent.v1.EnrollRequest;
import dev.tide.proto.agent.v1.EnrollResponse;
import dev.tide.proto.agent.v1.GetDesiredStateRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;
import tools.jackson.databind.JsonNode;

/**
 * Redeeming multi-use enrollment tokens over real gRPC: a token admits exactly its {@code maxUses}
 * nodes, also when agents race for the last uses, and no more once revoked or expired. Each use is
 * audited under the token's own subject.
 */
class AgentGatewayEnrollmentTests extends IntegrationTest {
    @Autowired
    GrpcServerLifecycle grpcServer;

    @Autowired
    dev.tide.controlplane.pki.ControlPlanePki pki;

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
    void aTokenWithThreeUsesEnrollsExactlyThreeNodesAndAuditsEachUse() {
        Token token = token(3);

        List<EnrollResponse> enrolled = List.of(enroll(token, "web-1"), enroll(token, "web-2"), enroll(token, "web-3"));
        StatusRuntimeException refused = refused(() -> enroll(token, "web-4"));

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(refused.getStatus().getDescription()).contains("used up", "3");
        assertThat(count("select count(*) from node where environment = ?", env))
                .isEqualTo(3);
        JsonNode listed = listed(token);
        assertThat(listed.path("status").asString()).isEqualTo("USED");
        assertThat(listed.path("uses").asInt()).isEqualTo(3);
        assertThat(listed.path("maxUses").asInt()).isEqualTo(3);
        assertThat(listed.path("usedBy").asString())
                .as("the last use")
                .isEqualTo(enrolled.get(2).getNodeId());
        assertThat(listed.path("usedAt").isNull()).isFalse();

        List<JsonNode> uses = auditEvents(token.subject());
        assertThat(uses).hasSize(3).allSatisfy(e -> {
            assertThat(e.path("action").asString()).isEqualTo("enrollment-token.use");
            assertThat(e.path("details").path("tokenId").asString()).isEqualTo(token.id());
            assertThat(e.path("details").path("maxUses").asInt()).isEqualTo(3);
        });
        List<JsonNode> oldestFirst = new ArrayList<>(uses);
        Collections.reverse(oldestFirst);
        for (int i = 0; i < 3; i++) {
            JsonNode use = oldestFirst.get(i);
            assertThat(use.path("details").path("use").asInt()).isEqualTo(i + 1);
            assertThat(use.path("details").path("nodeId").asString())
                    .isEqualTo(enrolled.get(i).getNodeId());
            assertThat(use.path("actor").asString()).isEqualTo("agent:web-" + (i + 1));
        }
        JsonNode nodeEnrolled = assertLatestAudit("node/" + enrolled.get(0).getNodeId(), "node.enroll", "agent:web-1");
        assertThat(nodeEnrolled.path("details").path("enrollmentTokenId").asString())
                .isEqualTo(token.id());
    }

    @Test
    void aDefaultTokenStaysSingleUse() {
        Token token = token(null);

        enroll(token, "only");
        StatusRuntimeException refused = refused(() -> enroll(token, "second"));

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(refused.getStatus().getDescription()).contains("already used");
        assertThat(listed(token).path("status").asString()).isEqualTo("USED");
        assertThat(listed(token).path("uses").asInt()).isEqualTo(1);
    }

    @Test
    void twentyAgentsRacingForTenUsesEnrollExactlyTen() throws Exception {
        Token token = token(10);

        List<Object> outcomes = race(token, 20, "racer");

        assertThat(outcomes.stream().filter(EnrollResponse.class::isInstance)).hasSize(10);
        assertThat(outcomes.stream().filter(o -> !(o instanceof EnrollResponse)))
                .hasSize(10)
                .allSatisfy(o -> assertThat(o).isEqualTo(Status.Code.PERMISSION_DENIED));
        assertThat(count("select count(*) from node where environment = ?", env))
                .isEqualTo(10);
        assertThat(listed(token).path("uses").asInt()).isEqualTo(10);
        assertThat(auditEvents(token.subject()).stream()
                        .map(e -> e.path("details").path("use").asInt())
                        .sorted())
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 10).boxed().toList());
    }

    @Test
    void aFleetEnrollingAtOnceWithATokenSizedForItAllSucceed() throws Exception {
        Token token = token(40);

        List<Object> outcomes = race(token, 40, "fleet");

        assertThat(outcomes).allSatisfy(o -> assertThat(o).isInstanceOf(EnrollResponse.class));
        assertThat(listed(token).path("status").asString()).isEqualTo("USED");
        assertThat(count("select count(*) from node where environment = ?", env))
                .isEqualTo(40);
    }

    @Test
    void aRevokedTokenAdmitsNoMoreNodesAndTheEnrolledOnesStay() {
        Token token = token(5);
        EnrollResponse first = enroll(token, "early-1");
        enroll(token, "early-2");

        as(admin())
                .delete("/api/v1/environments/{env}/enrollment-tokens/{id}", env, token.id())
                .expect(204);
        StatusRuntimeException refused = refused(() -> enroll(token, "late"));

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(refused.getStatus().getDescription()).contains("revoked");
        JsonNode listed = listed(token);
        assertThat(listed.path("status").asString()).isEqualTo("REVOKED");
        assertThat(listed.path("uses").asInt()).isEqualTo(2);
        assertThat(count("select count(*) from node where environment = ?", env))
                .isEqualTo(2);
        // A node enrolled before the revocation keeps working with its own certificate.
        assertThat(AgentGatewayGrpc.newBlockingStub(agents.channel(first))
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .getDesiredState(GetDesiredStateRequest.newBuilder()
                                .setNodeId(first.getNodeId())
                                .build())
                        .getUnchanged())
                .isTrue();
        JsonNode revoke = assertLatestAudit("environment/" + env, "enrollment-token.revoke", admin().name());
        assertThat(revoke.path("details").path("uses").asInt()).isEqualTo(2);
    }

    @Test
    void anExpiredMultiUseTokenIsRefusedWithItsUsesLeft() {
        Token token = token(5);
        enroll(token, "before");
        jdbc.update(
                "update enrollment_token set expires_at = now() - interval '1 second' where id = ?::uuid", token.id());

        StatusRuntimeException refused = refused(() -> enroll(token, "after"));

        assertThat(refused.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(refused.getStatus().getDescription()).contains("expired");
        assertThat(listed(token).path("status").asString()).isEqualTo("EXPIRED");
        assertThat(listed(token).path("uses").asInt()).isEqualTo(1);
    }

    @Test
    void aRefusedEnrollmentDoesNotTakeAUse() {
        Token token = token(2);
        enroll(token, "web-1");

        assertThat(refused(() -> enroll(token, "web-1")).getStatus().getCode()).isEqualTo(Status.Code.ALREADY_EXISTS);
        assertThat(refused(() -> enroll(token, "Bad Name")).getStatus().getCode())
                .isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(listed(token).path("uses").asInt()).isEqualTo(1);
        enroll(token, "web-2");
        assertThat(refused(() -> enroll(token, "web-3")).getStatus().getCode())
                .isEqualTo(Status.Code.PERMISSION_DENIED);
    }

    // ---- helpers ----

    private record Token(String id, String secret, String environment) {
        String subject() {
            return "environment/" + environment + "/enrollment-tokens/" + id;
        }
    }

    private Token token(Integer maxUses) {
        JsonNode created = as(admin())
                .post(
                        "/api/v1/environments/{env}/enrollment-tokens",
                        maxUses == null ? Map.of() : Map.of("maxUses", maxUses),
                        env)
                .expect(201)
                .json();
        return new Token(created.path("id").asString(), created.path("token").asString(), env);
    }

    private JsonNode listed(Token token) {
        return as(viewer())
                .get("/api/v1/environments/{env}/enrollment-tokens", env)
                .expect(200)
                .json()
                .valueStream()
                .filter(t -> t.path("id").asString().equals(token.id()))
                .findFirst()
                .orElseThrow();
    }

    /** {@code agents} enrollments released at once; each outcome is a response or a status code. */
    private List<Object> race(Token token, int agents, String prefix) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(agents);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<Object>> futures = new ArrayList<>();
            for (int i = 1; i <= agents; i++) {
                String name = prefix + "-" + i;
                futures.add(pool.submit(() -> {
                    start.await();
                    try {
                        return (Object) enroll(token, name);
                    } catch (StatusRuntimeException e) {
                        return e.getStatus().getCode();
                    }
                }));
            }
            start.countDown();
            List<Object> outcomes = new ArrayList<>();
            for (Future<Object> f : futures) {
                outcomes.add(f.get(60, TimeUnit.SECONDS));
            }
            return outcomes;
        } finally {
            pool.shutdownNow();
        }
    }

    private EnrollResponse enroll(Token token, String name) {
        return agents.enroll(EnrollRequest.newBuilder().setToken(token.secret()).setName(name));
    }

    private static StatusRuntimeException refused(Runnable call) {
        Throwable thrown = catchThrowable(call::run);
        assertThat(thrown).isInstanceOf(StatusRuntimeException.class);
        return (StatusRuntimeException) thrown;
    }
}
