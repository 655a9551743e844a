package dev.tide.controlplane.application;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.ApiResponse;
import dev.tide.controlplane.IntegrationTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/applications}: create, read, PATCH and the dependency DAG rules. */
class ApplicationApiTests extends IntegrationTest {

    @Test
    void createsApplicationWithDependenciesAndAudits() {
        String db = createApplication();
        String cache = createApplication();
        String name = unique("app");

        JsonNode app = as(admin())
                .post(
                        "/api/v1/applications",
                        Map.of("name", name, "description", "web shop", "dependsOn", List.of(db, cache)))
                .expect(201)
                .json();

        assertThat(app.path("name").asString()).isEqualTo(name);
        assertThat(app.path("description").asString()).isEqualTo("web shop");
        assertThat(app.path("dependsOn").valueStream().map(JsonNode::asString)).containsExactlyInAnyOrder(db, cache);
        JsonNode event = assertLatestAudit("application/" + name, "application.create", admin().name());
        assertThat(event.path("details").path("dependsOn").size()).isEqualTo(2);
    }

    @Test
    void getsAndListsApplications() {
        String dep = createApplication();
        String app = createApplication(dep);

        JsonNode one =
                as(viewer()).get("/api/v1/applications/{name}", app).expect(200).json();
        List<String> names = as(viewer())
                .get("/api/v1/applications")
                .expect(200)
                .json()
                .valueStream()
                .map(a -> a.path("name").asString())
                .toList();

        assertThat(one.path("dependsOn").path(0).asString()).isEqualTo(dep);
        assertThat(names).contains(dep, app);
        as(viewer()).get("/api/v1/applications/{name}", unique("missing")).expectProblem(404);
    }

    @Test
    void patchChangesDescriptionAndDependencies() {
        String dep = createApplication();
        String app = createApplication();

        JsonNode patched = as(admin())
                .patch("/api/v1/applications/{name}", Map.of("dependsOn", List.of(dep)), app)
                .expect(200)
                .json();
        assertThat(patched.path("dependsOn").path(0).asString()).isEqualTo(dep);

        JsonNode described = as(admin())
                .patch("/api/v1/applications/{name}", Map.of("description", "now described"), app)
                .expect(200)
                .json();
        assertThat(described.path("description").asString()).isEqualTo("now described");
        assertThat(described.path("dependsOn").path(0).asString())
                .as("dependsOn absent from the PATCH is kept")
                .isEqualTo(dep);
        assertLatestAudit("application/" + app, "application.update", admin().name());
    }

    @Test
    void unknownDependencyIsUnprocessableAndNothingIsCreated() {
        String dep = createApplication();
        String name = unique("app");

        ApiResponse response = as(admin())
                .post("/api/v1/applications", Map.of("name", name, "dependsOn", List.of(dep, unique("missing"))))
                .expectProblem(422, "dependsOn[1]");

        assertThat(response.text("/errors/0/message")).contains("does not exist");
        assertThat(count("select count(*) from application where name = ?", name))
                .isZero();
        assertThat(auditEvents("application/" + name)).isEmpty();
    }

    @Test
    void unknownDependencyInPatchKeepsTheOldDependencies() {
        String dep = createApplication();
        String app = createApplication(dep);

        as(admin())
                .patch("/api/v1/applications/{name}", Map.of("dependsOn", List.of(unique("missing"))), app)
                .expectProblem(422, "dependsOn[0]");

        assertThat(as(viewer())
                        .get("/api/v1/applications/{name}", app)
                        .expect(200)
                        .text("/dependsOn/0"))
                .isEqualTo(dep);
    }

    @Test
    void cycleIsRefusedNamingTheCycle() {
        String a = createApplication();
        String b = createApplication(a);
        String c = createApplication(b);

        ApiResponse response = as(admin())
                .patch("/api/v1/applications/{name}", Map.of("dependsOn", List.of(c)), a)
                .expectProblem(409);

        assertThat(response.text("/detail"))
                .containsAnyOf(
                        a + " -> " + c + " -> " + b + " -> " + a,
                        b + " -> " + a + " -> " + c + " -> " + b,
                        c + " -> " + b + " -> " + a + " -> " + c);
        assertThat(as(viewer())
                        .get("/api/v1/applications/{name}", a)
                        .expect(200)
                        .json()
                        .path("dependsOn")
                        .isEmpty())
                .isTrue();
        assertLatestAudit("application/" + a, "application.create", admin().name());
    }

    @Test
    void selfDependencyIsRefused() {
        String a = createApplication();

        ApiResponse response = as(admin())
                .patch("/api/v1/applications/{name}", Map.of("dependsOn", List.of(a)), a)
                .expectProblem(409);

        assertThat(response.text("/detail")).contains(a + " -> " + a);
    }

    @Test
    void invalidInputIsRefused() {
        String dep = createApplication();

        as(admin()).post("/api/v1/applications", Map.of("name", "Web Shop")).expectProblem(400, "name");
        as(admin())
                .post("/api/v1/applications", Map.of("name", unique("app"), "description", "x".repeat(501)))
                .expectProblem(400, "description");
        as(admin())
                .post("/api/v1/applications", Map.of("name", unique("app"), "dependsOn", List.of(dep, dep)))
                .expectProblem(400, "dependsOn");
        as(admin())
                .post("/api/v1/applications", Map.of("name", unique("app"), "dependsOn", List.of("Bad Name")))
                .expectProblem(400, "dependsOn[0]");
    }

    @Test
    void duplicateNameIsConflict() {
        String app = createApplication();

        as(admin()).post("/api/v1/applications", Map.of("name", app)).expectProblem(409);
    }
}
