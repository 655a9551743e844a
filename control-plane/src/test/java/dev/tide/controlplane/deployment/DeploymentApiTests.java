package dev.tide.controlplane.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.ApiResponse;
import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.node.Node;
import dev.tide.controlplane.node.NodeDesired;
import dev.tide.controlplane.node.NodeDesiredRepository;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/deployments}: planning (dependency order, waves, targets), reading, refusals. */
class DeploymentApiTests extends IntegrationTest {
    @Autowired
    NodeDesiredRepository desired;

    private String env;
    private String app;
    private final Map<String, Node> nodes = new HashMap<>();

    /** An environment with nodes n1..n5 (zone a: n1-n3, zone b: n4-n5) and app@1.0.0. */
    @BeforeEach
    void fleet() {
        env = createEnvironment("PUSH");
        app = createApplication();
        createRelease(app, "1.0.0");
        for (int i = 1; i <= 5; i++) {
            nodes.put("n" + i, insertNode(env, "n" + i, Map.of("zone", i <= 3 ? "a" : "b", "port", "80" + i)));
        }
    }

    @Test
    void createsDeploymentWithCanaryAndBatchWavesAndAudits() {
        JsonNode deployment = as(deployer())
                .post("/api/v1/deployments", request(env, app, "1.0.0", Map.of("batchSize", "2", "canary", 1), null))
                .expect(201)
                .json();

        assertThat(deployment.path("environment").asString()).isEqualTo(env);
        // The rollout starts right after the commit; the answer may already show it running.
        assertThat(deployment.path("state").asString()).isIn("PENDING", "RUNNING");
        assertThat(deployment.path("createdBy").asString()).isEqualTo(deployer().name());
        assertThat(deployment.path("strategy").path("batchSize").asString()).isEqualTo("2");
        assertThat(deployment.path("strategy").path("autoRollback").asBoolean()).isTrue();
        assertThat(deployment.path("summary").path("targets").asInt()).isEqualTo(5);
        assertThat(deployment
                        .path("waves")
                        .valueStream()
                        .map(w -> w.path("targets").asInt()))
                .containsExactly(1, 2, 2);
        List<JsonNode> targets = deployment.path("targets").valueStream().toList();
        assertThat(targets)
                .extracting(
                        t -> t.path("node").asString() + "@" + t.path("wave").asInt())
                .containsExactly("n1@0", "n2@1", "n3@1", "n4@2", "n5@2");
        assertThat(targets).allSatisfy(t -> {
            assertThat(t.path("application").asString()).isEqualTo(app);
            assertThat(t.path("state").asString()).isIn("PENDING", "DESIRED");
            assertThat(t.path("releaseId").asString())
                    .isEqualTo(deployment
                            .path("releases")
                            .path(0)
                            .path("releaseId")
                            .asString());
        });
        String id = deployment.path("id").asString();
        JsonNode event = assertLatestAudit(
                "deployment/" + id, "deployment.create", deployer().name());
        assertThat(event.path("details").path("releases").path(0).asString()).isEqualTo(app + "@1.0.0");
        assertThat(event.path("details").path("waves").asInt()).isEqualTo(3);
    }

    @Test
    void percentageBatchesAndSelector() {
        JsonNode deployment = as(deployer())
                .post(
                        "/api/v1/deployments",
                        request(env, app, "1.0.0", Map.of("batchSize", "50%"), Map.of("zone", "a")))
                .expect(201)
                .json();

        assertThat(deployment.path("selector").path("zone").asString()).isEqualTo("a");
        assertThat(deployment
                        .path("targets")
                        .valueStream()
                        .map(t -> t.path("node").asString()))
                .containsExactly("n1", "n2", "n3");
        assertThat(deployment
                        .path("waves")
                        .valueStream()
                        .map(w -> w.path("targets").asInt()))
                .containsExactly(2, 1);
    }

    @Test
    void releasesAreOrderedByDependenciesWithATargetPerNodeAndApplication() {
        String db = createApplication();
        createRelease(db, "15.2");
        String web = createApplication(db);
        createRelease(web, "2.0.0");
        Map<String, Object> body = new HashMap<>();
        body.put("environment", env);
        body.put(
                "releases",
                List.of(Map.of("application", web, "version", "2.0.0"), Map.of("application", db, "version", "15.2")));
        body.put("selector", Map.of("labels", Map.of("zone", "b")));

        JsonNode deployment =
                as(deployer()).post("/api/v1/deployments", body).expect(201).json();

        assertThat(deployment
                        .path("releases")
                        .valueStream()
                        .map(r -> r.path("position").asInt() + ":"
                                + r.path("application").asString()))
                .containsExactly("0:" + db, "1:" + web);
        assertThat(deployment
                        .path("targets")
                        .valueStream()
                        .map(t -> t.path("node").asString() + "/"
                                + t.path("application").asString()))
                .containsExactlyInAnyOrder("n4/" + db, "n4/" + web, "n5/" + db, "n5/" + web);
    }

    @Test
    void targetRemembersTheReleaseTheNodeHadBefore() {
        createRelease(app, "2.0.0");
        UUID previous = UUID.fromString(as(viewer())
                .get("/api/v1/applications/{app}/releases/{version}", app, "1.0.0")
                .expect(200)
                .text("/id"));
        desired.save(new NodeDesired(nodes.get("n1").getId(), app, previous, 1, null, Instant.now()));

        JsonNode deployment = as(deployer())
                .post("/api/v1/deployments", request(env, app, "2.0.0", null, Map.of("zone", "a")))
                .expect(201)
                .json();

        JsonNode n1 = deployment.path("targets").path(0);
        assertThat(n1.path("node").asString()).isEqualTo("n1");
        assertThat(n1.path("previousReleaseId").asString()).isEqualTo(previous.toString());
        assertThat(deployment.path("targets").path(1).path("previousReleaseId").isNull())
                .isTrue();
    }

    @Test
    void getShowsTheDeploymentWithItsTargets() {
        String id = as(deployer())
                .post("/api/v1/deployments", request(env, app, "1.0.0", null, null))
                .expect(201)
                .text("/id");

        JsonNode deployment =
                as(viewer()).get("/api/v1/deployments/{id}", id).expect(200).json();

        assertThat(deployment.path("id").asString()).isEqualTo(id);
        assertThat(deployment.path("targets").size()).isEqualTo(5);
        assertThat(deployment.path("targets").path(0).path("nodeId").asString())
                .isEqualTo(nodes.get("n1").getId().toString());
        assertThat(deployment.path("waves").size()).isEqualTo(1);
        as(viewer()).get("/api/v1/deployments/{id}", UUID.randomUUID()).expectProblem(404);
        as(viewer()).get("/api/v1/deployments/{id}", "latest").expectProblem(400, "id");
    }

    @Test
    void targetsComeAPageAtATimeInPlanOrderAndByState() {
        String id = as(deployer())
                .post("/api/v1/deployments", request(env, app, "1.0.0", null, null))
                .expect(201)
                .text("/id");

        JsonNode second = as(viewer())
                .get("/api/v1/deployments/{id}/targets?size=2&page=1", id)
                .expect(200)
                .json();
        assertThat(second.path("items").valueStream().map(t -> t.path("node").asString()))
                .containsExactly("n3", "n4");
        assertThat(second.path("totalItems").asLong()).isEqualTo(5);
        assertThat(second.path("totalPages").asInt()).isEqualTo(3);

        JsonNode all = as(viewer())
                .get("/api/v1/deployments/{id}/targets", id)
                .expect(200)
                .json();
        String state = all.path("items").path(0).path("state").asString();
        long inThatState = all.path("items")
                .valueStream()
                .filter(t -> t.path("state").asString().equals(state))
                .count();
        assertThat(as(viewer())
                        .get("/api/v1/deployments/{id}/targets?state={s}", id, state)
                        .expect(200)
                        .json()
                        .path("totalItems")
                        .asLong())
                .isEqualTo(inThatState);
        assertThat(as(viewer())
                        .get("/api/v1/deployments/{id}/targets?state=FAILED", id)
                        .expect(200)
                        .json()
                        .path("items")
                        .isEmpty())
                .isTrue();

        as(viewer()).get("/api/v1/deployments/{id}/targets?state=BROKEN", id).expectProblem(400, "state");
        as(viewer()).get("/api/v1/deployments/{id}/targets?size=0", id).expectProblem(400, "size");
        as(viewer()).get("/api/v1/deployments/{id}/targets?page=-1", id).expectProblem(400, "page");
        as(viewer()).get("/api/v1/deployments/{id}/targets", UUID.randomUUID()).expectProblem(404);
    }

    @Test
    void listsDeploymentsOfAnEnvironmentNewestFirst() {
        String first = as(deployer())
                .post("/api/v1/deployments", request(env, app, "1.0.0", null, Map.of("zone", "a")))
                .expect(201)
                .text("/id");
        String second = as(deployer())
                .post("/api/v1/deployments", request(env, app, "1.0.0", null, Map.of("zone", "b")))
                .expect(201)
                .text("/id");
        String elsewhere = createEnvironment("PULL");
        insertNode(elsewhere, "x1", Map.of());
        as(deployer())
                .post("/api/v1/deployments", request(elsewhere, app, "1.0.0", null, null))
                .expect(201);

        List<String> ids = as(viewer())
                .get("/api/v1/deployments?environment={env}", env)
                .expect(200)
                .json()
                .valueStream()
                .map(d -> d.path("id").asString())
                .toList();

        assertThat(ids).containsExactly(second, first);
        as(viewer())
                .get("/api/v1/deployments?environment={env}", unique("missing"))
                .expectProblem(404);
    }

    @Test
    void overlappingActiveDeploymentIsConflict() {
        as(deployer())
                .post("/api/v1/deployments", request(env, app, "1.0.0", null, Map.of("zone", "a")))
                .expect(201);

        ApiResponse response = as(deployer())
                .post("/api/v1/deployments", request(env, app, "1.0.0", null, null))
                .expectProblem(409);

        assertThat(response.text("/detail")).containsPattern("\\((PENDING|RUNNING)\\) is still rolling out");
        assertThat(deploymentsIn(env)).isEqualTo(1);
        as(deployer())
                .post("/api/v1/deployments", request(env, app, "1.0.0", null, Map.of("zone", "b")))
                .expect(201);
    }

    @Test
    void unknownReleaseIsUnprocessable() {
        ApiResponse response = as(deployer())
                .post("/api/v1/deployments", request(env, app, "9.9.9", null, null))
                .expectProblem(422, "releases[0]");

        assertThat(response.text("/errors/0/message")).contains(app + "@9.9.9");
        as(deployer())
                .post("/api/v1/deployments", request(env, unique("missing"), "1.0.0", null, null))
                .expectProblem(422, "releases[0]");
        assertThat(deploymentsIn(env)).isZero();
    }

    @Test
    void selectorMatchingNothingIsUnprocessable() {
        as(deployer())
                .post("/api/v1/deployments", request(env, app, "1.0.0", null, Map.of("zone", "mars")))
                .expectProblem(422, "selector.labels");

        String empty = createEnvironment("PULL");
        as(deployer())
                .post("/api/v1/deployments", request(empty, app, "1.0.0", null, null))
                .expectProblem(422, "environment");
        assertThat(deploymentsIn(env)).isZero();
    }

    @Test
    void badStrategyIsRefusedNamingTheField() {
        as(deployer())
                .post("/api/v1/deployments", request(env, app, "1.0.0", Map.of("batchSize", "0"), null))
                .expectProblem(400, "strategy.batchSize");
        as(deployer())
                .post(
                        "/api/v1/deployments",
                        request(env, app, "1.0.0", Map.of("batchSize", "120%", "canary", -1), null))
                .expectProblem(400, "strategy.batchSize", "strategy.canary");
        as(deployer())
                .post("/api/v1/deployments", request(env, app, "1.0.0", Map.of("canary", "some"), null))
                .expectProblem(400, "strategy.canary");

        assertThat(deploymentsIn(env)).isZero();
        assertThat(count(
                        "select count(*) from deployment_target where node_id = ?",
                        nodes.get("n1").getId()))
                .isZero();
    }

    @Test
    void invalidRequestsAreRefused() {
        as(deployer())
                .post("/api/v1/deployments", request(unique("missing"), app, "1.0.0", null, null))
                .expectProblem(422, "environment");
        as(deployer())
                .post(
                        "/api/v1/deployments",
                        Map.of("releases", List.of(Map.of("application", app, "version", "1.0.0"))))
                .expectProblem(400, "environment");
        as(deployer())
                .post("/api/v1/deployments", Map.of("environment", env, "releases", List.of()))
                .expectProblem(400, "releases");
        as(deployer())
                .post(
                        "/api/v1/deployments",
                        Map.of(
                                "environment",
                                env,
                                "releases",
                                List.of(
                                        Map.of("application", app, "version", "1.0.0"),
                                        Map.of("application", app, "version", "1.0.0"))))
                .expectProblem(400, "releases[1].application");
        as(deployer())
                .post("/api/v1/deployments", request(env, app, "1 0", null, null))
                .expectProblem(400, "releases[0].version");

        assertThat(deploymentsIn(env)).isZero();
    }

    private long deploymentsIn(String environment) {
        return count("select count(*) from deployment where environment = ?", environment);
    }

    private static Map<String, Object> request(
            String environment,
            String application,
            String version,
            Map<String, Object> strategy,
            Map<String, String> labels) {
        Map<String, Object> body = new HashMap<>();
        body.put("environment", environment);
        body.put("releases", List.of(Map.of("application", application, "version", version)));
        if (strategy != null) {
            body.put("strategy", strategy);
        }
        if (labels != null) {
            body.put("selector", Map.of("labels", labels));
        }
        return body;
    }
}
