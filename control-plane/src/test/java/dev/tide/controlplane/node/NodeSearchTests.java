package dev.tide.controlplane.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.environment.Environment;
import dev.tide.controlplane.environment.EnvironmentService;
import dev.tide.controlplane.security.UserService;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * The node list at scale: paged and filtered in SQL. "Converged" and "online" are decided in SQL
 * for the filters and counts and in Java for each node's view; these tests hold the two to the
 * same answer case by case.
 */
class NodeSearchTests extends IntegrationTest {
    @Autowired
    private NodeService nodes;

    @Autowired
    private EnvironmentService environments;

    @Autowired
    private UserService users;

    private String env;
    private UUID v1;
    private UUID v2;
    private String app;
    private String other;

    @BeforeEach
    void releases() {
        env = createEnvironment("PULL");
        app = createApplication();
        other = createApplication();
        createRelease(app, "1.0.0");
        createRelease(app, "2.0.0");
        createRelease(other, "1.0.0");
        v1 = release(app, "1.0.0");
        v2 = release(app, "2.0.0");
    }

    private UUID release(String application, String version) {
        return jdbc.queryForObject(
                "select id from release where application = ? and version = ?", UUID.class, application, version);
    }

    private Node node(String name, long generation, long applied) {
        Node n = insertNode(env, name, Map.of());
        jdbc.update(
                "update node set generation = ?, applied_generation = ? where id = ?", generation, applied, n.getId());
        return n;
    }

    private void desired(Node n, String application, UUID release) {
        jdbc.update(
                "insert into node_desired (node, application, release_id, generation, updated_at) values (?, ?, ?, 1, now())",
                n.getId(),
                application,
                release);
    }

    private void actual(Node n, String application, UUID release, String state) {
        jdbc.update(
                "insert into node_actual (node, application, release_id, release_version, state, message,"
                        + " applied_generation, reported_at) values (?, ?, ?, 'x', ?, '', 1, now())",
                n.getId(),
                application,
                release,
                state);
    }

    private JsonNode list(String query) {
        return as(viewer())
                .get("/api/v1/nodes?environment=" + env + query)
                .expect(200)
                .json();
    }

    private List<String> names(String query) {
        return list(query)
                .path("items")
                .valueStream()
                .map(n -> n.path("name").asString())
                .toList();
    }

    @Test
    void convergedFilterAndCountAgreeWithEachNodesViewInEveryCase() {
        Map<String, Boolean> expected = new LinkedHashMap<>();
        node("a-nothing-deployed", 0, 0);
        expected.put("a-nothing-deployed", true);
        node("b-not-applied-yet", 2, 1);
        expected.put("b-not-applied-yet", false);
        desired(node("c-never-reported", 1, 1), app, v1);
        expected.put("c-never-reported", false);
        Node d = node("d-runs-another-release", 1, 1);
        desired(d, app, v2);
        actual(d, app, v1, "HEALTHY");
        expected.put("d-runs-another-release", false);
        Node e = node("e-unhealthy", 1, 1);
        desired(e, app, v1);
        actual(e, app, v1, "UNHEALTHY");
        expected.put("e-unhealthy", false);
        Node f = node("f-healthy", 1, 1);
        desired(f, app, v1);
        actual(f, app, v1, "HEALTHY");
        expected.put("f-healthy", true);
        Node g = node("g-removed-app-stopped", 1, 1);
        desired(g, app, v1);
        actual(g, app, v1, "HEALTHY");
        actual(g, other, null, "STOPPED");
        expected.put("g-removed-app-stopped", true);
        Node h = node("h-removed-app-still-runs", 1, 1);
        actual(h, other, null, "HEALTHY");
        expected.put("h-removed-app-still-runs", false);

        Map<String, Boolean> viewed = new LinkedHashMap<>();
        list("").path("items")
                .valueStream()
                .forEach(n -> viewed.put(
                        n.path("name").asString(), n.path("converged").asBoolean()));
        assertThat(viewed).isEqualTo(expected);

        List<String> converged = expected.entrySet().stream()
                .filter(Map.Entry::getValue)
                .map(Map.Entry::getKey)
                .toList();
        List<String> converging = expected.entrySet().stream()
                .filter(x -> !x.getValue())
                .map(Map.Entry::getKey)
                .toList();
        assertThat(names("&converged=true")).isEqualTo(converged);
        assertThat(names("&converged=false")).isEqualTo(converging);
        assertThat(nodes.summaries(env).get(env).converged()).isEqualTo(converged.size());
        assertThat(nodes.summaries(env).get(env).nodes()).isEqualTo(expected.size());
    }

    @Test
    void onlineFilterAndCountAgreeWithLivenessAtTheEdgeOfTheWindow() {
        Environment environment = environments.get(env);
        Duration window = Liveness.defaults().window(environment);
        Instant now = Instant.now();
        Map<String, Instant> seen = new LinkedHashMap<>();
        seen.put("just-now", now);
        seen.put("inside-the-window", now.minus(window).plusSeconds(20));
        seen.put("outside-the-window", now.minus(window).minusSeconds(20));
        seen.put("hours-ago", now.minus(3, ChronoUnit.HOURS));
        seen.put("never", null);
        seen.forEach((name, at) -> {
            Node n = insertNode(env, name, Map.of());
            jdbc.update(
                    "update node set last_seen_at = ? where id = ?", at == null ? null : Timestamp.from(at), n.getId());
        });

        List<String> online = seen.entrySet().stream()
                .filter(x -> Liveness.defaults().online(x.getValue(), environment, Instant.now()))
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
        assertThat(online).containsExactly("inside-the-window", "just-now");
        assertThat(names("&online=true")).isEqualTo(online);
        assertThat(names("&online=false")).containsExactly("hours-ago", "never", "outside-the-window");
        assertThat(nodes.summaries(env).get(env).online()).isEqualTo(2);
    }

    @Test
    void pagesComeInNameOrderWithTheTotal() {
        for (int i = 1; i <= 5; i++) {
            insertNode(env, "web-" + i, Map.of());
        }

        JsonNode second = list("&size=2&page=1");

        assertThat(second.path("items").valueStream().map(n -> n.path("name").asString()))
                .containsExactly("web-3", "web-4");
        assertThat(second.path("page").asInt()).isEqualTo(1);
        assertThat(second.path("size").asInt()).isEqualTo(2);
        assertThat(second.path("totalItems").asLong()).isEqualTo(5);
        assertThat(second.path("totalPages").asInt()).isEqualTo(3);
        assertThat(names("&size=2&page=3")).isEmpty();
    }

    @Test
    void filtersByAnApplicationsStateAndByPartOfTheNameTakenLiterally() {
        Node failed = insertNode(env, "web_1", Map.of());
        actual(failed, app, v1, "FAILED");
        Node healthy = insertNode(env, "webx1", Map.of());
        actual(healthy, app, v1, "HEALTHY");
        insertNode(env, "db-100%", Map.of());

        assertThat(names("&state=FAILED")).containsExactly("web_1");
        assertThat(names("&state=failed")).containsExactly("web_1");
        assertThat(names("&name=B_1")).containsExactly("web_1");
        assertThat(as(viewer())
                        .get("/api/v1/nodes?environment={env}&name={name}", env, "0%")
                        .expect(200)
                        .json()
                        .path("items")
                        .valueStream()
                        .map(n -> n.path("name").asString()))
                .containsExactly("db-100%");
        assertThat(names("&name=web&state=HEALTHY")).containsExactly("webx1");
    }

    @Test
    void badParametersAreRefusedNamingEach() {
        as(viewer()).get("/api/v1/nodes?page=-1").expectProblem(400, "page");
        as(viewer()).get("/api/v1/nodes?size=0").expectProblem(400, "size");
        as(viewer()).get("/api/v1/nodes?size=1001").expectProblem(400, "size");
        as(viewer()).get("/api/v1/nodes?state=SLEEPING").expectProblem(400, "state");
        as(viewer()).get("/api/v1/nodes?online=maybe").expectProblem(400, "online");
        as(viewer()).get("/api/v1/nodes?converged=perhaps").expectProblem(400, "converged");
    }

    @Test
    void environmentPageShowsOnePageOfNodesWithTheCountsOfAll() throws Exception {
        for (int i = 1; i <= 60; i++) {
            Node n = insertNode(env, String.format("node-%02d", i), Map.of());
            if (i % 10 == 0) {
                actual(n, app, v1, "FAILED");
            }
        }
        var me = user(users.loadUserByUsername(viewer().name()));

        String first = mvc.perform(get("/environments/" + env).with(me))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(first)
                .contains("data-node=\"node-01\"", "data-node=\"node-50\"", "Nodes 1–50 of 60", "rel=\"next\"");
        assertThat(first).doesNotContain("data-node=\"node-51\"");
        assertThat(first).contains("60 nodes: 60 online, 54 converged");

        String failed = mvc.perform(get("/environments/" + env + "/nodes")
                        .param("state", "FAILED")
                        .with(me))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(failed).contains("data-node=\"node-10\"", "data-node=\"node-60\"");
        assertThat(failed).doesNotContain("data-node=\"node-01\"", "rel=\"next\"");
        assertThat(failed).contains("state=FAILED"); // the poll keeps the filter

        String second = mvc.perform(
                        get("/environments/" + env).param("page", "1").with(me))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(second).contains("data-node=\"node-51\"", "data-node=\"node-60\"", "rel=\"prev\"");

        for (String[] bad : new String[][] {{"online", "maybe"}, {"state", "SLEEPING"}, {"page", "-1"}}) {
            int status = mvc.perform(
                            get("/environments/" + env).param(bad[0], bad[1]).with(me))
                    .andReturn()
                    .getResponse()
                    .getStatus();
            assertThat(status).as("%s=%s", bad[0], bad[1]).isEqualTo(400);
        }
    }
}
