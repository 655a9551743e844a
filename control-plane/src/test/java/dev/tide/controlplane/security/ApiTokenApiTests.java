package dev.tide.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.tide.controlplane.ApiResponse;
import dev.tide.controlplane.IntegrationTest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/tokens}: created and shown once, used as bearer, listed without secret, deleted. */
class ApiTokenApiTests extends IntegrationTest {

    @Test
    void createdTokenAuthenticatesAsItsOwner() {
        Caller deployer = newCaller(Role.DEPLOYER);

        JsonNode created = basic(deployer.name(), deployer.password())
                .post("/api/v1/tokens", Map.of("name", "ci", "expiresInDays", 30))
                .expect(201)
                .json();

        String secret = created.path("token").asString();
        assertThat(secret).startsWith("tide_api_").hasSizeGreaterThan(40);
        assertThat(created.path("owner").asString()).isEqualTo(deployer.name());
        assertThat(Instant.parse(created.path("expiresAt").asString()))
                .isCloseTo(Instant.now().plus(30, ChronoUnit.DAYS), within(1, ChronoUnit.MINUTES));
        assertThat(jdbc.queryForObject(
                        "select token_hash from api_token where id = ?::uuid",
                        String.class,
                        created.path("id").asString()))
                .isEqualTo(Secrets.hash(secret));
        String sha = bearer(secret)
                .postBytes("/api/v1/artifacts", randomBytes(32), "application/octet-stream")
                .expect(201)
                .text("/sha256");
        assertLatestAudit("artifact/" + sha, "artifact.upload", deployer.name());
        JsonNode event = assertLatestAudit("token/" + created.path("id").asString(), "token.create", deployer.name());
        assertThat(event.path("details").path("name").asString()).isEqualTo("ci");
    }

    @Test
    void listNeverShowsTheSecretAndRecordsLastUse() {
        Caller viewer = newCaller(Role.VIEWER);
        String secret = as(viewer)
                .post("/api/v1/tokens", Map.of("name", "laptop"))
                .expect(201)
                .text("/token");
        bearer(secret).get("/api/v1/environments").expect(200);

        ApiResponse list = bearer(secret).get("/api/v1/tokens").expect(200);

        assertThat(list.body()).doesNotContain(secret).doesNotContain(Secrets.hash(secret));
        List<JsonNode> tokens = list.json().valueStream().toList();
        assertThat(tokens).extracting(t -> t.path("name").asString()).containsExactlyInAnyOrder("laptop", "it-token");
        assertThat(tokens).allMatch(t -> t.path("owner").asString().equals(viewer.name()) && !t.has("token"));
        JsonNode laptop = tokens.stream()
                .filter(t -> t.path("name").asString().equals("laptop"))
                .findFirst()
                .orElseThrow();
        assertThat(laptop.path("lastUsedAt").isNull()).isFalse();
        assertThat(laptop.path("expiresAt").isNull()).isTrue();
    }

    @Test
    void adminsSeeEveryTokenOthersOnlyTheirOwn() {
        Caller viewer = newCaller(Role.VIEWER);
        Caller other = newCaller(Role.DEPLOYER);

        List<String> seenByViewer = as(viewer)
                .get("/api/v1/tokens")
                .expect(200)
                .json()
                .valueStream()
                .map(t -> t.path("owner").asString())
                .distinct()
                .toList();
        List<String> seenByAdmin = as(admin())
                .get("/api/v1/tokens")
                .expect(200)
                .json()
                .valueStream()
                .map(t -> t.path("owner").asString())
                .toList();

        assertThat(seenByViewer).containsExactly(viewer.name());
        assertThat(seenByAdmin).contains(viewer.name(), other.name(), admin().name());
    }

    @Test
    void deletedTokenNoLongerAuthenticates() {
        Caller deployer = newCaller(Role.DEPLOYER);
        JsonNode created = as(deployer)
                .post("/api/v1/tokens", Map.of("name", "temp"))
                .expect(201)
                .json();
        String id = created.path("id").asString();

        as(deployer).delete("/api/v1/tokens/{id}", id).expect(204);

        bearer(created.path("token").asString()).get("/api/v1/environments").expectProblem(401);
        assertLatestAudit("token/" + id, "token.delete", deployer.name());
        as(deployer).delete("/api/v1/tokens/{id}", id).expectProblem(404);
    }

    @Test
    void onlyOwnerOrAdminMayDeleteAToken() {
        Caller owner = newCaller(Role.DEPLOYER);
        Caller stranger = newCaller(Role.DEPLOYER);
        String id = as(owner)
                .post("/api/v1/tokens", Map.of("name", "mine"))
                .expect(201)
                .text("/id");

        as(stranger).delete("/api/v1/tokens/{id}", id).expectProblem(403);
        assertThat(count("select count(*) from api_token where id = ?::uuid", id))
                .isEqualTo(1);

        as(admin()).delete("/api/v1/tokens/{id}", id).expect(204);
        assertLatestAudit("token/" + id, "token.delete", admin().name());
    }

    @Test
    void garbageBearerTokensAreRefused() {
        bearer("tide_api_" + "A".repeat(43)).get("/api/v1/environments").expectProblem(401);
        bearer("not-a-tide-token").get("/api/v1/environments").expectProblem(401);
        bearer("").get("/api/v1/environments").expectProblem(401);
    }

    @Test
    void expiredTokenIsRefused() {
        Caller viewer = newCaller(Role.VIEWER);
        JsonNode created = as(viewer)
                .post("/api/v1/tokens", Map.of("name", "short", "expiresInDays", 1))
                .expect(201)
                .json();
        String secret = created.path("token").asString();
        bearer(secret).get("/api/v1/environments").expect(200);

        jdbc.update(
                "update api_token set expires_at = now() - interval '1 second' where id = ?::uuid",
                created.path("id").asString());

        bearer(secret).get("/api/v1/environments").expectProblem(401);
    }

    @Test
    void tokenActsWithItsOwnersCurrentRole() {
        Caller caller = newCaller(Role.VIEWER);
        as(caller)
                .postBytes("/api/v1/artifacts", randomBytes(16), "application/octet-stream")
                .expectProblem(403);

        as(admin())
                .patch("/api/v1/users/{name}", Map.of("role", "DEPLOYER"), caller.name())
                .expect(200);

        as(caller)
                .postBytes("/api/v1/artifacts", randomBytes(16), "application/octet-stream")
                .expect(201);
    }

    @Test
    void invalidRequestsAreRefused() {
        Caller caller = newCaller(Role.VIEWER);
        as(caller).post("/api/v1/tokens", Map.of("name", "dup")).expect(201);

        as(caller).post("/api/v1/tokens", Map.of("name", "dup")).expectProblem(409);
        as(caller).post("/api/v1/tokens", Map.of("name", "Bad Name")).expectProblem(400, "name");
        as(caller).post("/api/v1/tokens", Map.of("expiresInDays", 5)).expectProblem(400, "name");
        as(caller)
                .post("/api/v1/tokens", Map.of("name", "zero", "expiresInDays", 0))
                .expectProblem(400, "expiresInDays");

        assertThat(count("select count(*) from api_token where owner = ?", caller.name()))
                .isEqualTo(2);
    }
}
