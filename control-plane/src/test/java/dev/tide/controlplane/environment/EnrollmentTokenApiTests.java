package dev.tide.controlplane.environment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tide.controlplane.ApiResponse;
import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.security.Secrets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/environments/{name}/enrollment-tokens}: shown once, listed without secret, revoked. */
class EnrollmentTokenApiTests extends IntegrationTest {

    @Test
    void createdTokenIsShownOnceAndStoredAsHash() {
        String env = createEnvironment("PULL");

        JsonNode created = as(admin())
                .post(
                        "/api/v1/environments/{env}/enrollment-tokens",
                        Map.of("ttlMinutes", 15, "description", "rack 4"),
                        env)
                .expect(201)
                .json();

        String secret = created.path("token").asString();
        assertThat(secret).startsWith("tide_enroll_").hasSizeGreaterThan(40);
        assertThat(created.path("environment").asString()).isEqualTo(env);
        assertThat(Instant.parse(created.path("expiresAt").asString()))
                .isCloseTo(Instant.now().plus(15, ChronoUnit.MINUTES), within(1, ChronoUnit.MINUTES));
        assertThat(jdbc.queryForObject(
                        "select token_hash from enrollment_token where id = ?::uuid",
                        String.class,
                        created.path("id").asString()))
                .isEqualTo(Secrets.hash(secret));
        assertLatestAudit("environment/" + env, "enrollment-token.create", admin().name());
    }

    @Test
    void defaultTtlIsOneHour() {
        String env = createEnvironment("PULL");

        JsonNode created = as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", null, env)
                .expect(201)
                .json();

        assertThat(Instant.parse(created.path("expiresAt").asString()))
                .isCloseTo(Instant.now().plus(60, ChronoUnit.MINUTES), within(1, ChronoUnit.MINUTES));
    }

    @Test
    void listShowsStatusButNeverTheSecret() {
        String env = createEnvironment("PUSH");
        JsonNode created = as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", Map.of("description", "first"), env)
                .expect(201)
                .json();
        String secret = created.path("token").asString();

        ApiResponse list = as(viewer())
                .get("/api/v1/environments/{env}/enrollment-tokens", env)
                .expect(200);

        List<JsonNode> tokens = list.json().valueStream().toList();
        assertThat(list.body()).doesNotContain(secret).doesNotContain(Secrets.hash(secret));
        assertThat(tokens).singleElement().satisfies(t -> {
            assertThat(t.path("id").asString()).isEqualTo(created.path("id").asString());
            assertThat(t.path("status").asString()).isEqualTo("ACTIVE");
            assertThat(t.path("description").asString()).isEqualTo("first");
            assertThat(t.path("createdBy").asString()).isEqualTo(admin().name());
            assertThat(t.has("token")).isFalse();
        });
    }

    @Test
    void expiredTokenIsListedAsExpired() {
        String env = createEnvironment("PULL");
        String id = as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", null, env)
                .expect(201)
                .text("/id");
        jdbc.update("update enrollment_token set expires_at = now() - interval '1 minute' where id = ?::uuid", id);

        JsonNode token = as(viewer())
                .get("/api/v1/environments/{env}/enrollment-tokens", env)
                .expect(200)
                .json()
                .path(0);

        assertThat(token.path("status").asString()).isEqualTo("EXPIRED");
    }

    @Test
    void revokeRemovesTheToken() {
        String env = createEnvironment("PULL");
        String id = as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", null, env)
                .expect(201)
                .text("/id");

        as(admin())
                .delete("/api/v1/environments/{env}/enrollment-tokens/{id}", env, id)
                .expect(204);

        assertThat(as(viewer())
                        .get("/api/v1/environments/{env}/enrollment-tokens", env)
                        .expect(200)
                        .json()
                        .isEmpty())
                .isTrue();
        JsonNode event = assertLatestAudit("environment/" + env, "enrollment-token.revoke", admin().name());
        assertThat(event.path("details").path("tokenId").asString()).isEqualTo(id);
        as(admin())
                .delete("/api/v1/environments/{env}/enrollment-tokens/{id}", env, id)
                .expectProblem(404);
    }

    @Test
    void tokenOfAnotherEnvironmentCannotBeRevokedThroughThisOne() {
        String env = createEnvironment("PULL");
        String other = createEnvironment("PULL");
        String id = as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", null, env)
                .expect(201)
                .text("/id");

        as(admin())
                .delete("/api/v1/environments/{env}/enrollment-tokens/{id}", other, id)
                .expectProblem(404);

        assertThat(count("select count(*) from enrollment_token where id = ?::uuid", id))
                .isEqualTo(1);
    }

    @Test
    void invalidRequestsAreRefused() {
        String env = createEnvironment("PULL");

        as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", Map.of("ttlMinutes", 0), env)
                .expectProblem(400, "ttlMinutes");
        as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", Map.of("description", "x".repeat(201)), env)
                .expectProblem(400, "description");
        as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", null, unique("missing"))
                .expectProblem(404);
        as(admin())
                .delete("/api/v1/environments/{env}/enrollment-tokens/{id}", env, "not-a-uuid")
                .expectProblem(400, "id");

        assertThat(count("select count(*) from enrollment_token where environment = ?", env))
                .isZero();
    }
}
