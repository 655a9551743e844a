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

/**
 * {@code /api/v1/environments/{name}/enrollment-tokens}: shown once, listed without secret,
 * revoked; single-use unless created with {@code maxUses}. Redemption is in the delivery tests.
 */
class EnrollmentTokenApiTests extends IntegrationTest {
    @org.springframework.beans.factory.annotation.Autowired
    dev.tide.controlplane.pki.ControlPlanePki pki;

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
        assertThat(created.path("description").asString()).isEqualTo("rack 4");
        assertThat(created.path("status").asString()).isEqualTo("ACTIVE");
        assertThat(created.path("uses").asInt()).isZero();
        assertThat(created.path("maxUses").asInt()).as("single-use by default").isEqualTo(1);
        assertThat(Instant.parse(created.path("expiresAt").asString()))
                .isCloseTo(Instant.now().plus(15, ChronoUnit.MINUTES), within(1, ChronoUnit.MINUTES));
        assertThat(jdbc.queryForObject(
                        "select token_hash from enrollment_token where id = ?::uuid",
                        String.class,
                        created.path("id").asString()))
                .isEqualTo(Secrets.hash(secret.substring(0, secret.lastIndexOf('.'))));
        // What the agent is given ends with the CA's fingerprint, so it pins the CA before it sends anything.
        assertThat(secret).endsWith("." + pki.caFingerprint());
        JsonNode event = assertLatestAudit("environment/" + env, "enrollment-token.create", admin().name());
        assertThat(event.path("details").path("maxUses").asInt()).isEqualTo(1);
    }

    @Test
    void aTokenForAFleetIsCreatedWithItsMaxUses() {
        String env = createEnvironment("PULL");

        JsonNode created = as(admin())
                .post(
                        "/api/v1/environments/{env}/enrollment-tokens",
                        Map.of("maxUses", 500, "ttlMinutes", 240, "description", "asg web"),
                        env)
                .expect(201)
                .json();

        assertThat(created.path("maxUses").asInt()).isEqualTo(500);
        assertThat(created.path("uses").asInt()).isZero();
        assertThat(created.path("status").asString()).isEqualTo("ACTIVE");
        assertThat(created.path("token").asString()).startsWith("tide_enroll_");
        JsonNode listed = as(viewer())
                .get("/api/v1/environments/{env}/enrollment-tokens", env)
                .expect(200)
                .json()
                .path(0);
        assertThat(listed.path("maxUses").asInt()).isEqualTo(500);
        assertThat(listed.path("uses").asInt()).isZero();
        assertThat(listed.path("usedAt").isNull()).isTrue();
        JsonNode event = assertLatestAudit("environment/" + env, "enrollment-token.create", admin().name());
        assertThat(event.path("details").path("maxUses").asInt()).isEqualTo(500);
    }

    @Test
    void theLargestAllowedMaxUsesIsAccepted() {
        String env = createEnvironment("PULL");

        as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", Map.of("maxUses", 100_000), env)
                .expect(201);
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
    void revokeKeepsTheTokenListedAsRevokedAndIsIdempotent() {
        String env = createEnvironment("PULL");
        String id = as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", Map.of("maxUses", 5), env)
                .expect(201)
                .text("/id");

        as(admin())
                .delete("/api/v1/environments/{env}/enrollment-tokens/{id}", env, id)
                .expect(204);

        JsonNode token = as(viewer())
                .get("/api/v1/environments/{env}/enrollment-tokens", env)
                .expect(200)
                .json()
                .path(0);
        assertThat(token.path("id").asString()).isEqualTo(id);
        assertThat(token.path("status").asString()).isEqualTo("REVOKED");
        assertThat(token.path("revokedBy").asString()).isEqualTo(admin().name());
        assertThat(Instant.parse(token.path("revokedAt").asString()))
                .isCloseTo(Instant.now(), within(1, ChronoUnit.MINUTES));
        JsonNode event = assertLatestAudit("environment/" + env, "enrollment-token.revoke", admin().name());
        assertThat(event.path("details").path("tokenId").asString()).isEqualTo(id);
        assertThat(event.path("details").path("uses").asInt()).isZero();

        // Revoking again changes nothing and is not audited twice.
        as(admin())
                .delete("/api/v1/environments/{env}/enrollment-tokens/{id}", env, id)
                .expect(204);
        assertThat(auditEvents("environment/" + env).stream()
                        .filter(e -> e.path("action").asString().equals("enrollment-token.revoke")))
                .hasSize(1);
        as(admin())
                .delete("/api/v1/environments/{env}/enrollment-tokens/{id}", env, java.util.UUID.randomUUID())
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
                .post(
                        "/api/v1/environments/{env}/enrollment-tokens",
                        Map.of("ttlMinutes", 0, "maxUses", 0, "description", "x".repeat(201)),
                        env)
                .expectProblem(400, "ttlMinutes", "maxUses", "description");
        as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", null, unique("missing"))
                .expectProblem(404);
        as(admin())
                .delete("/api/v1/environments/{env}/enrollment-tokens/{id}", env, "not-a-uuid")
                .expectProblem(400, "id");

        assertThat(count("select count(*) from enrollment_token where environment = ?", env))
                .isZero();
    }

    @Test
    void maxUsesOutOfRangeOrOfTheWrongTypeIsRefusedNamingTheField() {
        String env = createEnvironment("PULL");
        long auditBefore = auditEvents("environment/" + env).size();

        for (Object bad : List.of(0, -1, -100_000, 100_001, Integer.MAX_VALUE)) {
            ApiResponse refused = as(admin())
                    .post("/api/v1/environments/{env}/enrollment-tokens", Map.of("maxUses", bad), env)
                    .expectProblem(400, "maxUses");
            assertThat(refused.text("/errors/0/message")).isEqualTo("must be between 1 and 100000");
        }
        for (String bad : List.of(
                "{\"maxUses\": \"many\"}",
                "{\"maxUses\": true}",
                "{\"maxUses\": 2.5}",
                "{\"maxUses\": [3]}",
                "{\"maxUses\": {\"n\": 3}}",
                "{\"maxUses\": 99999999999999999999}")) {
            System.out.println("DEBUG " + bad + " -> "
                    + as(admin())
                            .post("/api/v1/environments/{env}/enrollment-tokens", bad, env)
                            .body());
            as(admin())
                    .post("/api/v1/environments/{env}/enrollment-tokens", bad, env)
                    .expectProblem(400, "maxUses");
        }

        assertThat(count("select count(*) from enrollment_token where environment = ?", env))
                .isZero();
        assertThat(auditEvents("environment/" + env)).hasSize((int) auditBefore);
    }
}
