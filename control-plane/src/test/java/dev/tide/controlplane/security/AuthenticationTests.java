package dev.tide.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.ApiResponse;
import dev.tide.controlplane.IntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Who gets in: Basic, bearer tokens, the bootstrap admin, and the endpoints open to everyone. */
class AuthenticationTests extends IntegrationTest {

    @Test
    void requestWithoutCredentialsIsRefusedWithProblemDocument() {
        ApiResponse response = anonymous().get("/api/v1/environments").expectProblem(401);

        assertThat(response.header("WWW-Authenticate")).contains("Basic", "Bearer");
        assertThat(response.text("/detail")).contains("Bearer");
    }

    @Test
    void mutationWithoutCredentialsIsRefusedAndWritesNothing() {
        String name = unique("env");

        anonymous().post("/api/v1/environments", Map.of("name", name)).expectProblem(401);

        assertThat(count("select count(*) from environment where name = ?", name))
                .isZero();
    }

    @Test
    void wrongPasswordIsRefused() {
        basic(viewer().name(), "not-the-password").get("/api/v1/environments").expectProblem(401);
    }

    @Test
    void unknownUserIsRefused() {
        basic(unique("nobody"), "whatever-password").get("/api/v1/environments").expectProblem(401);
    }

    @Test
    void basicAuthenticationWithTheRightPasswordIsAccepted() {
        Caller viewer = viewer();

        basic(viewer.name(), viewer.password()).get("/api/v1/environments").expect(200);
    }

    @Test
    void bootstrapAdminHasTheConfiguredPasswordAndWasAuditedAsSystem() {
        basic("admin", ADMIN_PASSWORD).get("/api/v1/users/admin").expect(200);

        assertThat(auditEvents("user/admin"))
                .filteredOn(e -> e.path("action").asString().equals("user.bootstrap"))
                .singleElement()
                .satisfies(e -> {
                    assertThat(e.path("actor").asString()).isEqualTo("system");
                    assertThat(e.path("subject").asString()).isEqualTo("user/admin");
                    assertThat(e.path("details").path("role").asString()).isEqualTo("ADMIN");
                });
    }

    @Test
    void disabledUserCannotAuthenticate() {
        Caller caller = newCaller(Role.DEPLOYER);
        as(admin())
                .patch("/api/v1/users/{name}", Map.of("enabled", false), caller.name())
                .expect(200);

        basic(caller.name(), caller.password()).get("/api/v1/environments").expectProblem(401);
        as(caller).get("/api/v1/environments").expectProblem(401);
    }

    @Test
    void healthAndPrometheusNeedNoCredentials() {
        ApiResponse health = anonymous().get("/actuator/health").expect(200);
        assertThat(health.text("/status")).isEqualTo("UP");

        ApiResponse prometheus = anonymous().get("/actuator/prometheus").expect(200);
        assertThat(prometheus.contentType()).startsWith("text/plain");
        assertThat(prometheus.body()).contains("jvm_memory_used_bytes", "application=\"tide-control-plane\"");
    }

    /** The Kubernetes probes (deploy/k8s/control-plane.yaml) call these without credentials. */
    @Test
    void livenessAndReadinessProbesNeedNoCredentials() {
        for (String probe : List.of("/actuator/health/liveness", "/actuator/health/readiness")) {
            ApiResponse answer = anonymous().get(probe).expect(200);
            assertThat(answer.text("/status")).as(probe).isEqualTo("UP");
        }
    }

    @Test
    void otherActuatorEndpointsAreForAdminsOnly() {
        anonymous().get("/actuator/metrics").expectProblem(401);
        as(viewer()).get("/actuator/metrics").expectProblem(403);
        as(admin()).get("/actuator/metrics").expect(200);
    }

    @Test
    void apiDescriptionListsTheApiPathsWithoutCredentials() {
        JsonNode paths = anonymous().get("/v3/api-docs").expect(200).json().path("paths");

        assertThat(paths.propertyNames())
                .contains(
                        "/api/v1/environments",
                        "/api/v1/environments/{name}",
                        "/api/v1/environments/{environment}/enrollment-tokens",
                        "/api/v1/nodes",
                        "/api/v1/artifacts",
                        "/api/v1/applications",
                        "/api/v1/applications/{application}/releases",
                        "/api/v1/deployments",
                        "/api/v1/deployments/{id}",
                        "/api/v1/audit",
                        "/api/v1/tokens",
                        "/api/v1/users");
        assertThat(List.copyOf(paths.propertyNames())).allMatch(p -> p.startsWith("/api/"));
    }
}
