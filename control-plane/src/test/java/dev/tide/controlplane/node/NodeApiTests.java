package dev.tide.controlplane.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.IntegrationTest;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/nodes}: list by environment, get, delete. */
class NodeApiTests extends IntegrationTest {

    @Test
    void listsTheNodesOfOneEnvironmentByName() {
        String env = createEnvironment("PULL");
        String other = createEnvironment("PULL");
        insertNode(env, "web-2", Map.of("zone", "b"));
        insertNode(env, "web-1", Map.of("zone", "a", "port", "8081"));
        insertNode(other, "web-1", Map.of());

        List<JsonNode> nodes = as(viewer())
                .get("/api/v1/nodes?environment={env}", env)
                .expect(200)
                .json()
                .path("items")
                .valueStream()
                .toList();

        assertThat(nodes).extracting(n -> n.path("name").asString()).containsExactly("web-1", "web-2");
        assertThat(nodes).allMatch(n -> n.path("environment").asString().equals(env));
        JsonNode first = nodes.get(0);
        assertThat(first.path("labels").path("port").asString()).isEqualTo("8081");
        assertThat(first.path("agentVersion").asString()).isEqualTo("it-agent");
        assertThat(first.path("applications").isEmpty()).isTrue();
        assertThat(first.has("credentialHash")).isFalse();
    }

    @Test
    void listWithoutEnvironmentShowsAllEnvironments() {
        String env = createEnvironment("PULL");
        String other = createEnvironment("PUSH");
        String name = unique("everywhere");
        Node a = insertNode(env, name, Map.of());
        Node b = insertNode(other, name, Map.of());

        List<String> ids = as(viewer())
                .get("/api/v1/nodes?name={name}", name)
                .expect(200)
                .json()
                .path("items")
                .valueStream()
                .map(n -> n.path("id").asString())
                .toList();

        assertThat(ids).contains(a.getId().toString(), b.getId().toString());
    }

    @Test
    void listOfUnknownEnvironmentIs404() {
        as(viewer()).get("/api/v1/nodes?environment={env}", unique("missing")).expectProblem(404);
    }

    /** What an agent reported: the release it shows, the one it runs, and its last drift. */
    private void insertActual(Node node, String app, String version, String running) {
        jdbc.update(
                "insert into node_actual (node, application, release_version, state, message, applied_generation,"
                        + " reported_at, running_version, last_event, last_event_at, last_event_message)"
                        + " values (?, ?, ?, 'FAILED', 'health check failed', 0, now(), ?, 'DRIFTED', now(), ?)",
                node.getId(),
                app,
                version,
                running,
                "release files changed on disk: app.txt (changed); restored from the verified artifact and restarted");
    }

    @Test
    void showsTheRunningReleaseAndTheLastDriftOfEachApplication() {
        String env = createEnvironment("PULL");
        Node node = insertNode(env, "web-1", Map.of());
        insertActual(node, "web", "2.0.0", "1.0.0");

        JsonNode actual = as(viewer())
                .get("/api/v1/nodes/{id}", node.getId())
                .expect(200)
                .json()
                .path("applications")
                .path(0)
                .path("actual");

        assertThat(actual.path("version").asString()).isEqualTo("2.0.0");
        assertThat(actual.path("running").path("version").asString()).isEqualTo("1.0.0");
        assertThat(actual.path("lastEvent").path("type").asString()).isEqualTo("DRIFTED");
        assertThat(actual.path("lastEvent").path("message").asString()).contains("app.txt (changed)");
        assertThat(actual.path("lastEvent").path("at").isMissingNode()).isFalse();
    }

    @Test
    void getsOneNode() {
        String env = createEnvironment("PUSH");
        Node node = insertNode(env, "db-1", Map.of("role", "db"));

        JsonNode view =
                as(viewer()).get("/api/v1/nodes/{id}", node.getId()).expect(200).json();

        assertThat(view.path("id").asString()).isEqualTo(node.getId().toString());
        assertThat(view.path("name").asString()).isEqualTo("db-1");
        assertThat(view.path("labels").path("role").asString()).isEqualTo("db");
        assertThat(view.path("generation").asLong()).isZero();
        assertThat(view.path("converged").asBoolean()).isTrue();
    }

    @Test
    void unknownOrMalformedIdIsRefused() {
        as(viewer()).get("/api/v1/nodes/{id}", UUID.randomUUID()).expectProblem(404);
        as(viewer()).get("/api/v1/nodes/{id}", "web-1").expectProblem(400, "id");
    }

    @Test
    void deletesNodeAndAudits() {
        String env = createEnvironment("PULL");
        Node node = insertNode(env, "old-1", Map.of());

        as(admin()).delete("/api/v1/nodes/{id}", node.getId()).expect(204);

        as(viewer()).get("/api/v1/nodes/{id}", node.getId()).expectProblem(404);
        JsonNode event = assertLatestAudit("node/" + node.getId(), "node.delete", admin().name());
        assertThat(event.path("details").path("environment").asString()).isEqualTo(env);
        as(admin()).delete("/api/v1/nodes/{id}", node.getId()).expectProblem(404);
    }
}
