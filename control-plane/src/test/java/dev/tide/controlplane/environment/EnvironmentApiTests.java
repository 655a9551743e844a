package dev.tide.controlplane.environment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;

import dev.tide.controlplane.ApiResponse;
import dev.tide.controlplane.IntegrationTest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/environments}: CRUD, the PATCH mode switch and their validation. */
class EnvironmentApiTests extends IntegrationTest {

    @Test
    void createsEnvironmentWithDefaultsAndAudits() {
        String name = unique("env");

        JsonNode env = as(admin())
                .post("/api/v1/environments", Map.of("name", name, "description", "staging"))
                .expect(201)
                .json();

        assertThat(env.path("name").asString()).isEqualTo(name);
        assertThat(env.path("description").asString()).isEqualTo("staging");
        assertThat(env.path("mode").asString()).isEqualTo("PULL");
        assertThat(env.path("pullIntervalSeconds").asInt()).isEqualTo(30);
        assertThat(env.path("pullJitterSeconds").asInt()).isEqualTo(5);
        assertThat(env.path("watch").asBoolean()).isFalse();
        assertThat(env.path("pushMaxParallel").asInt()).isEqualTo(50);
        assertThat(env.path("modeChangedAt").asString())
                .isEqualTo(env.path("createdAt").asString());
        JsonNode event = assertLatestAudit("environment/" + name, "environment.create", admin().name());
        assertThat(event.path("details").path("mode").asString()).isEqualTo("PULL");
    }

    @Test
    void getsAndListsEnvironments() {
        String push = createEnvironment("PUSH");
        String pull = createEnvironment("PULL");

        JsonNode one = as(viewer())
                .get("/api/v1/environments/{name}", push)
                .expect(200)
                .json();
        assertThat(one.path("mode").asString()).isEqualTo("PUSH");

        List<String> names = as(viewer())
                .get("/api/v1/environments")
                .expect(200)
                .json()
                .valueStream()
                .map(e -> e.path("name").asString())
                .toList();
        assertThat(names).contains(push, pull);
        assertThat(names.stream().filter(n -> n.startsWith("env-")).toList()).isSorted();
    }

    @Test
    void unknownEnvironmentIs404() {
        ApiResponse response = as(viewer())
                .get("/api/v1/environments/{name}", unique("missing"))
                .expectProblem(404);
        assertThat(response.text("/detail")).contains("environment");
    }

    @Test
    void patchModeIsTheModeSwitch() {
        String name = createEnvironment("PULL");
        JsonNode before = as(viewer())
                .get("/api/v1/environments/{name}", name)
                .expect(200)
                .json();

        JsonNode after = as(admin())
                .patch("/api/v1/environments/{name}", Map.of("mode", "PUSH"), name)
                .expect(200)
                .json();

        assertThat(after.path("mode").asString()).isEqualTo("PUSH");
        Instant changedAt = Instant.parse(after.path("modeChangedAt").asString());
        assertThat(changedAt).isAfter(Instant.parse(before.path("modeChangedAt").asString()));
        assertThat(after.path("pullIntervalSeconds").asInt())
                .isEqualTo(before.path("pullIntervalSeconds").asInt());
        JsonNode stored = as(viewer())
                .get("/api/v1/environments/{name}", name)
                .expect(200)
                .json();
        assertThat(stored.path("mode").asString()).isEqualTo("PUSH");
        assertThat(Instant.parse(stored.path("modeChangedAt").asString())).isEqualTo(changedAt);
        JsonNode event = assertLatestAudit("environment/" + name, "environment.mode-switch", admin().name());
        assertThat(event.path("details").path("previousMode").asString()).isEqualTo("PULL");
        assertThat(event.path("details").path("mode").asString()).isEqualTo("PUSH");
    }

    @Test
    void patchOfOtherSettingsKeepsModeAndModeChangedAt() {
        String name = createEnvironment("PUSH");
        JsonNode before = as(viewer())
                .get("/api/v1/environments/{name}", name)
                .expect(200)
                .json();

        JsonNode after = as(admin())
                .patch(
                        "/api/v1/environments/{name}",
                        Map.of("pullIntervalSeconds", 10, "watch", true, "pushMaxParallel", 7),
                        name)
                .expect(200)
                .json();

        assertThat(after.path("mode").asString()).isEqualTo("PUSH");
        assertThat(after.path("pullIntervalSeconds").asInt()).isEqualTo(10);
        assertThat(after.path("watch").asBoolean()).isTrue();
        assertThat(after.path("pushMaxParallel").asInt()).isEqualTo(7);
        assertThat(Instant.parse(after.path("modeChangedAt").asString()))
                .isEqualTo(Instant.parse(before.path("modeChangedAt").asString()));
        assertLatestAudit("environment/" + name, "environment.update", admin().name());
    }

    @Test
    void patchWithSameModeIsNoModeSwitch() {
        String name = createEnvironment("PULL");

        as(admin())
                .patch("/api/v1/environments/{name}", Map.of("mode", "PULL"), name)
                .expect(200);

        assertLatestAudit("environment/" + name, "environment.update", admin().name());
        assertThat(auditEvents("environment/" + name))
                .noneMatch(e -> e.path("action").asString().equals("environment.mode-switch"));
    }

    @Test
    void invalidPatchChangesNothing() {
        String name = createEnvironment("PULL");

        as(admin())
                .patch("/api/v1/environments/{name}", Map.of("mode", "PUSH", "pullJitterSeconds", -1), name)
                .expectProblem(400, "pullJitterSeconds");

        JsonNode stored = as(viewer())
                .get("/api/v1/environments/{name}", name)
                .expect(200)
                .json();
        assertThat(stored.path("mode").asString()).isEqualTo("PULL");
        assertThat(stored.path("pullJitterSeconds").asInt()).isEqualTo(5);
        assertLatestAudit("environment/" + name, "environment.create", admin().name());
    }

    @Test
    void unknownModeNamesTheField() {
        String name = unique("env");

        ApiResponse response = as(admin())
                .post("/api/v1/environments", Map.of("name", name, "mode", "SIDEWAYS"))
                .expectProblem(400, "mode");

        assertThat(response.json().at("/errors/0/message").asString()).contains("PUSH", "PULL");
        assertThat(count("select count(*) from environment where name = ?", name))
                .isZero();
    }

    @Test
    void invalidValuesAreAllNamed() {
        String name = unique("env");

        as(admin())
                .post(
                        "/api/v1/environments",
                        Map.of("name", name, "pullIntervalSeconds", 0, "pushMaxParallel", 100_001))
                .expectProblem(400, "pullIntervalSeconds", "pushMaxParallel");

        assertThat(count("select count(*) from environment where name = ?", name))
                .isZero();
    }

    @Test
    void invalidOrMissingNameIsRefused() {
        as(admin()).post("/api/v1/environments", Map.of("name", "Not A Name")).expectProblem(400, "name");
        as(admin()).post("/api/v1/environments", Map.of("mode", "PUSH")).expectProblem(400, "name");
        as(admin()).post("/api/v1/environments", "{not json").expectProblem(400, "body");
        as(admin())
                .post("/api/v1/environments", Map.of("name", unique("env"), "pullIntervalSeconds", "often"))
                .expectProblem(400, "pullIntervalSeconds");
    }

    @Test
    void aFractionOrAnOversizedNumberForAnIntegerIsRefusedNamingTheField() {
        String name = unique("env");

        ApiResponse fraction = as(admin())
                .post("/api/v1/environments", Map.of("name", name, "pullIntervalSeconds", 2.5))
                .expectProblem(400, "pullIntervalSeconds");
        ApiResponse oversized = as(admin())
                .post("/api/v1/environments", "{\"name\": \"" + name + "\", \"pushMaxParallel\": 99999999999999999999}")
                .expectProblem(400, "pushMaxParallel");

        assertThat(fraction.text("/errors/0/message")).isEqualTo("has a value of the wrong type or shape");
        assertThat(oversized.text("/errors/0/message")).isEqualTo("is a number out of range");
        assertThat(count("select count(*) from environment where name = ?", name))
                .isZero();
    }

    @Test
    void bodyThatIsNotJsonIs415() {
        as(admin())
                .send(post("/api/v1/environments").contentType("text/plain").content("name=prod"))
                .expectProblem(415);
    }

    @Test
    void duplicateNameIsConflict() {
        String name = createEnvironment("PUSH");

        as(admin())
                .post("/api/v1/environments", Map.of("name", name, "mode", "PULL"))
                .expectProblem(409);

        JsonNode stored = as(viewer())
                .get("/api/v1/environments/{name}", name)
                .expect(200)
                .json();
        assertThat(stored.path("mode").asString()).isEqualTo("PUSH");
    }

    @Test
    void deletesEnvironmentAndAudits() {
        String name = createEnvironment("PULL");
        as(admin())
                .post("/api/v1/environments/{name}/enrollment-tokens", null, name)
                .expect(201);

        as(admin()).delete("/api/v1/environments/{name}", name).expect(204);

        as(viewer()).get("/api/v1/environments/{name}", name).expectProblem(404);
        assertThat(count("select count(*) from enrollment_token where environment = ?", name))
                .isZero();
        assertLatestAudit("environment/" + name, "environment.delete", admin().name());
    }

    @Test
    void environmentWithNodesCannotBeDeleted() {
        String name = createEnvironment("PULL");
        insertNode(name, "web-1", Map.of());

        ApiResponse response =
                as(admin()).delete("/api/v1/environments/{name}", name).expectProblem(409);

        assertThat(response.text("/detail")).contains("node");
        as(viewer()).get("/api/v1/environments/{name}", name).expect(200);
    }

    @Test
    void deletingUnknownEnvironmentIs404() {
        as(admin()).delete("/api/v1/environments/{name}", unique("missing")).expectProblem(404);
    }
}
