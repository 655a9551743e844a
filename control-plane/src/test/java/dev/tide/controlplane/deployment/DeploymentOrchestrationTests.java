package dev.tide.controlplane.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;

import dev.tide.controlplane.ApiResponse;
import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.application.ReleaseRepository;
import dev.tide.controlplane.environment.DeliveryMode;
import dev.tide.controlplane.node.Node;
import dev.tide.controlplane.node.NodeDesired;
import dev.tide.controlplane.node.NodeDesiredRepository;
import dev.tide.controlplane.node.NodeRepository;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * The orchestrator on the real database, with agents simulated at their boundary (the status
 * reports they would send): dependency stages, waves, the failure threshold, auto-rollback,
 * pause, resume, cancel and manual rollback, the journal and its event stream. The same
 * scenarios run with real agents in push and pull in the e2e module.
 */
class DeploymentOrchestrationTests extends IntegrationTest {
    @Autowired
    TargetProgress progress;

    @Autowired
    DeploymentExecutor executor;

    @Autowired
    TransactionTemplate tx;

    @Autowired
    DeploymentRepository deploymentRepository;

    @Autowired
    NodeRepository nodeRepository;

    @Autowired
    NodeDesiredRepository desired;

    @Autowired
    ReleaseRepository releases;

    private String env;
    private final List<Node> nodes = new ArrayList<>();

    @BeforeEach
    void fleet() {
        env = createEnvironment("PULL");
        nodes.clear();
        for (int i = 1; i <= 3; i++) {
            nodes.add(insertNode(env, "n" + i, Map.of("port", "80" + i)));
        }
    }

    @Test
    void aDependentApplicationIsReleasedOnlyWhenItsDependencyIsHealthyOnEveryNode() {
        String db = createApplication();
        String web = createApplication(db);
        createRelease(db, "1.0.0");
        createRelease(web, "1.0.0");

        String id = deploy(Map.of(), web, "1.0.0", db, "1.0.0");

        awaitTargets(id, db, "DESIRED", "DESIRED", "DESIRED");
        assertThat(states(id, web)).containsOnly("PENDING");
        assertThat(desired.findAllByNode(nodes.get(0).getId()))
                .extracting(NodeDesired::getApplication)
                .containsExactly(db);

        report(nodes.get(0), db, "1.0.0", "HEALTHY");
        report(nodes.get(1), db, "1.0.0", "HEALTHY");
        awaitTargets(id, db, "HEALTHY", "HEALTHY", "DESIRED");
        assertThat(states(id, web)).as("db is not yet healthy on n3").containsOnly("PENDING");

        report(nodes.get(2), db, "1.0.0", "HEALTHY");
        awaitTargets(id, web, "DESIRED", "DESIRED", "DESIRED");
        nodes.forEach(n -> report(n, web, "1.0.0", "HEALTHY"));

        JsonNode done = awaitState(id, "SUCCEEDED");
        assertThat(done.path("releases").valueStream().map(r -> r.path("stage").asInt()))
                .containsExactly(0, 1);
        assertThat(done.path("waves")
                        .valueStream()
                        .map(w -> w.path("stage").asInt() + "/" + w.path("wave").asInt()))
                .containsExactly("0/0", "1/0");
    }

    @Test
    void wavesAreReleasedOneAtATimeAndTheThresholdStopsTheRolloutWithoutRollback() {
        String app = createApplication();
        createRelease(app, "1.0.0");

        String id = deploy(Map.of("batchSize", "1", "failureThreshold", "1", "autoRollback", false), app, "1.0.0");

        awaitTargets(id, app, "DESIRED", "PENDING", "PENDING");
        report(nodes.get(0), app, "1.0.0", "FAILED");
        // One failure is tolerated: the next wave goes.
        awaitTargets(id, app, "FAILED", "DESIRED", "PENDING");
        report(nodes.get(1), app, "1.0.0", "FAILED");

        JsonNode done = awaitState(id, "FAILED");
        assertThat(states(id, app)).containsExactly("FAILED", "FAILED", "SKIPPED");
        assertThat(done.path("message").asString()).contains("2 failed, 1 skipped");
        assertThat(desired.findAllByNode(nodes.get(2).getId())).isEmpty();
    }

    @Test
    void autoRollbackRestoresThePreviousReleaseAndRemovesApplicationsItAdded() {
        String db = createApplication();
        String extra = createApplication();
        createRelease(db, "1.0.0");
        createRelease(db, "2.0.0");
        createRelease(extra, "1.0.0");
        String first = deploy(Map.of(), db, "1.0.0");
        awaitTargets(first, db, "DESIRED", "DESIRED", "DESIRED");
        nodes.forEach(n -> report(n, db, "1.0.0", "HEALTHY"));
        awaitState(first, "SUCCEEDED");

        String id = deploy(Map.of("batchSize", "2", "autoRollback", true), db, "2.0.0", extra, "1.0.0");
        awaitTargets(id, db, "DESIRED", "DESIRED", "PENDING");
        report(nodes.get(0), db, "2.0.0", "HEALTHY");
        report(nodes.get(1), db, "2.0.0", "FAILED");

        awaitState(id, "ROLLING_BACK");
        awaitTargets(id, db, "REVERTING", "REVERTING", "SKIPPED");
        // extra shares db's stage, so it went out with the first wave: it is taken off again.
        assertThat(states(id, extra)).containsExactly("REVERTING", "REVERTING", "SKIPPED");
        assertThat(desired.findAllByNode(nodes.get(0).getId()))
                .extracting(NodeDesired::getApplication)
                .containsExactly(db);
        UUID v1 = releaseId(db, "1.0.0");
        assertThat(desired.findById(new NodeDesired.Key(nodes.get(0).getId(), db)))
                .get()
                .extracting(NodeDesired::getReleaseId)
                .isEqualTo(v1);

        reportRelease(nodes.get(0), db, v1, "HEALTHY");
        reportRelease(nodes.get(1), db, v1, "HEALTHY");
        report(nodes.get(0), extra, "1.0.0", "STOPPED");
        report(nodes.get(1), extra, "1.0.0", "STOPPED");
        JsonNode done = awaitState(id, "ROLLED_BACK");
        assertThat(states(id, db)).containsExactly("ROLLED_BACK", "ROLLED_BACK", "SKIPPED");
        assertThat(done.path("targets").get(0).path("rolledBackAt").isNull()).isFalse();
        assertThat(types(id)).contains("created", "running", "step", "target.failed", "rolling_back", "rollback-step");
        assertLatestAudit("deployment/" + id, "deployment.finish", "system");
    }

    @Test
    void anAddedApplicationIsTakenOffTheNodesWhenItsDeploymentRollsBack() {
        String app = createApplication();
        createRelease(app, "1.0.0");
        String id = deploy(Map.of("autoRollback", true), app, "1.0.0");
        awaitTargets(id, app, "DESIRED", "DESIRED", "DESIRED");
        report(nodes.get(0), app, "1.0.0", "FAILED");

        awaitTargets(id, app, "REVERTING", "REVERTING", "REVERTING");
        nodes.forEach(n -> assertThat(desired.findAllByNode(n.getId())).isEmpty());
        nodes.forEach(n -> report(n, app, "1.0.0", "STOPPED"));
        awaitState(id, "ROLLED_BACK");
    }

    @Test
    void pauseHoldsTheNextWaveAndResumeReleasesIt() {
        String app = createApplication();
        createRelease(app, "1.0.0");
        String id = deploy(Map.of("batchSize", "1"), app, "1.0.0");
        awaitTargets(id, app, "DESIRED", "PENDING", "PENDING");

        JsonNode paused = as(deployer())
                .post("/api/v1/deployments/{id}/pause", Map.of(), id)
                .expect(200)
                .json();
        assertThat(paused.path("state").asString()).isEqualTo("PAUSED");
        report(nodes.get(0), app, "1.0.0", "HEALTHY");
        awaitTargets(id, app, "HEALTHY", "PENDING", "PENDING");
        executor.tick();
        await().during(Duration.ofMillis(600))
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(states(id, app))
                        .as("nothing is released while paused")
                        .containsExactly("HEALTHY", "PENDING", "PENDING"));
        as(deployer()).post("/api/v1/deployments/{id}/pause", Map.of(), id).expectProblem(409);

        as(deployer()).post("/api/v1/deployments/{id}/resume", Map.of(), id).expect(200);
        awaitTargets(id, app, "HEALTHY", "DESIRED", "PENDING");
        assertLatestAudit("deployment/" + id, "deployment.resume", deployer().name());
        assertThat(auditEvents("deployment/" + id))
                .extracting(e -> e.path("action").asString())
                .contains("deployment.pause", "deployment.create");
    }

    @Test
    void cancelWaitsForTheTargetsInFlightAndSkipsTheRest() {
        String app = createApplication();
        createRelease(app, "1.0.0");
        String id = deploy(Map.of("batchSize", "1"), app, "1.0.0");
        awaitTargets(id, app, "DESIRED", "PENDING", "PENDING");

        JsonNode cancelling = as(deployer())
                .post("/api/v1/deployments/{id}/cancel", Map.of(), id)
                .expect(200)
                .json();
        assertThat(cancelling.path("state").asString()).isEqualTo("CANCELLING");
        report(nodes.get(0), app, "1.0.0", "HEALTHY");

        JsonNode done = awaitState(id, "CANCELLED");
        assertThat(states(id, app)).containsExactly("HEALTHY", "SKIPPED", "SKIPPED");
        assertThat(done.path("message").asString()).startsWith("cancelled: 1 of 3 target(s) healthy");
        ApiResponse again = as(deployer())
                .post("/api/v1/deployments/{id}/cancel", Map.of(), id)
                .expectProblem(409);
        assertThat(again.text("/detail")).contains("it is CANCELLED");
    }

    @Test
    void aFinishedDeploymentRollsBackByHandUnlessALaterOneChangedTheSameNodes() {
        String app = createApplication();
        createRelease(app, "1.0.0");
        createRelease(app, "2.0.0");
        createRelease(app, "3.0.0");
        String first = deploy(Map.of(), app, "1.0.0");
        awaitTargets(first, app, "DESIRED", "DESIRED", "DESIRED");
        nodes.forEach(n -> report(n, app, "1.0.0", "HEALTHY"));
        awaitState(first, "SUCCEEDED");
        String second = deploy(Map.of(), app, "2.0.0");
        awaitTargets(second, app, "DESIRED", "DESIRED", "DESIRED");
        nodes.forEach(n -> report(n, app, "2.0.0", "HEALTHY"));
        awaitState(second, "SUCCEEDED");

        ApiResponse refused = as(deployer())
                .post("/api/v1/deployments/{id}/rollback", Map.of(), first)
                .expectProblem(409);
        assertThat(refused.text("/detail")).contains(second).contains("changed some of the same nodes");

        as(deployer())
                .post("/api/v1/deployments/{id}/rollback", Map.of(), second)
                .expect(200);
        awaitTargets(second, app, "REVERTING", "REVERTING", "REVERTING");
        nodes.forEach(n -> reportRelease(n, app, releaseId(app, "1.0.0"), "HEALTHY"));
        awaitState(second, "ROLLED_BACK");
        assertLatestAudit("deployment/" + second, "deployment.finish", "system");
    }

    @Test
    void aFailureWithinTheThresholdSkipsOnlyWhatDependsOnItAndTheDeploymentSucceeds() {
        String db = createApplication();
        String cache = createApplication();
        String api = createApplication(db);
        String web = createApplication(cache);
        for (String app : List.of(db, cache, api, web)) {
            createRelease(app, "1.0.0");
        }
        String id = deploy(
                Map.of("failureThreshold", "1", "autoRollback", false),
                db,
                "1.0.0",
                cache,
                "1.0.0",
                api,
                "1.0.0",
                web,
                "1.0.0");
        awaitTargets(id, db, "DESIRED", "DESIRED", "DESIRED");

        report(nodes.get(0), db, "1.0.0", "FAILED");
        report(nodes.get(1), db, "1.0.0", "HEALTHY");
        report(nodes.get(2), db, "1.0.0", "HEALTHY");
        nodes.forEach(n -> report(n, cache, "1.0.0", "HEALTHY"));

        // web depends on cache only: db failing on n1 does not hold it back there.
        awaitTargets(id, web, "DESIRED", "DESIRED", "DESIRED");
        assertThat(states(id, api)).containsExactly("SKIPPED", "DESIRED", "DESIRED");
        nodes.forEach(n -> report(n, web, "1.0.0", "HEALTHY"));
        report(nodes.get(1), api, "1.0.0", "HEALTHY");
        report(nodes.get(2), api, "1.0.0", "HEALTHY");

        JsonNode done = awaitState(id, "SUCCEEDED");
        assertThat(done.path("message").asString())
                .isEqualTo("10 of 12 target(s) healthy, 1 failed, 1 skipped (within the failure threshold)");
    }

    @Test
    void aPercentageThresholdNeverToleratesMoreThanItsShare() {
        String app = createApplication();
        createRelease(app, "1.0.0");
        // 50% of 3 targets is 1.5: one failure is tolerated, two are not.
        String id = deploy(Map.of("failureThreshold", "50%", "autoRollback", false), app, "1.0.0");
        awaitTargets(id, app, "DESIRED", "DESIRED", "DESIRED");
        report(nodes.get(0), app, "1.0.0", "FAILED");
        report(nodes.get(1), app, "1.0.0", "FAILED");
        report(nodes.get(2), app, "1.0.0", "HEALTHY");

        JsonNode done = awaitState(id, "FAILED");
        assertThat(done.path("message").asString()).contains("2 failed");
    }

    @Test
    void aNodeRemovedWhileItIsDeployedToFailsAtOnceInsteadOfTimingOut() {
        String app = createApplication();
        createRelease(app, "1.0.0");
        String id = deploy(Map.of("failureThreshold", "1", "autoRollback", false), app, "1.0.0");
        awaitTargets(id, app, "DESIRED", "DESIRED", "DESIRED");

        as(admin()).delete("/api/v1/nodes/{id}", nodes.get(2).getId()).expect(204);
        report(nodes.get(0), app, "1.0.0", "HEALTHY");
        report(nodes.get(1), app, "1.0.0", "HEALTHY");

        awaitState(id, "SUCCEEDED");
        JsonNode removed = deployment(id).path("targets").get(2);
        assertThat(removed.path("state").asString()).isEqualTo("FAILED");
        assertThat(removed.path("error").asString()).contains("node was removed");
    }

    @Test
    void aRollbackIsRefusedWhileAnotherDeploymentRollsOutToTheSameNodes() {
        String base = createApplication();
        String app = createApplication(base);
        createRelease(base, "1.0.0");
        createRelease(app, "1.0.0");
        createRelease(app, "2.0.0");
        String first = deploy(Map.of(), app, "1.0.0");
        awaitTargets(first, app, "DESIRED", "DESIRED", "DESIRED");
        nodes.forEach(n -> report(n, app, "1.0.0", "HEALTHY"));
        awaitState(first, "SUCCEEDED");

        // The second deployment rolls base first; app, at the next stage, is not released yet.
        String second = deploy(Map.of(), base, "1.0.0", app, "2.0.0");
        awaitTargets(second, base, "DESIRED", "DESIRED", "DESIRED");
        assertThat(states(second, app)).containsOnly("PENDING");

        ApiResponse refused = as(deployer())
                .post("/api/v1/deployments/{id}/rollback", Map.of(), first)
                .expectProblem(409);
        assertThat(refused.text("/detail")).contains(second).contains("is rolling out");
        assertThat(deployment(first).path("state").asString()).isEqualTo("SUCCEEDED");
    }

    @Test
    void aRollbackThatDidNotCompleteCanBeTriedAgain() {
        String app = createApplication();
        createRelease(app, "1.0.0");
        String id = deploy(Map.of("autoRollback", true, "targetTimeoutSeconds", 5), app, "1.0.0");
        awaitTargets(id, app, "DESIRED", "DESIRED", "DESIRED");
        report(nodes.get(0), app, "1.0.0", "FAILED");
        awaitTargets(id, app, "REVERTING", "REVERTING", "REVERTING");

        // No agent confirms: the rollback times out and the deployment ends FAILED.
        JsonNode failed = awaitState(id, "FAILED");
        assertThat(failed.path("message").asString()).startsWith("rollback incomplete: 3 target(s)");

        as(deployer()).post("/api/v1/deployments/{id}/rollback", Map.of(), id).expect(200);
        awaitTargets(id, app, "REVERTING", "REVERTING", "REVERTING");
        nodes.forEach(n -> report(n, app, "1.0.0", "STOPPED"));
        awaitState(id, "ROLLED_BACK");
    }

    @Test
    void statusReportsWaitWhileARolloutStepHoldsTheDeployment() throws Exception {
        String app = createApplication();
        createRelease(app, "1.0.0");
        String id = deploy(Map.of(), app, "1.0.0");
        awaitTargets(id, app, "DESIRED", "DESIRED", "DESIRED");
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        Thread step = new Thread(() -> tx.executeWithoutResult(status -> {
            deploymentRepository.findForUpdate(UUID.fromString(id)).orElseThrow();
            locked.countDown();
            try {
                done.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        step.start();
        assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<Void> reported =
                CompletableFuture.runAsync(() -> report(nodes.get(0), app, "1.0.0", "HEALTHY"));
        await().during(Duration.ofMillis(700))
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(reported)
                        .as("the report waits for the step to commit")
                        .isNotDone());
        done.countDown();
        reported.get(10, TimeUnit.SECONDS);
        step.join(10_000);
        awaitTargets(id, app, "HEALTHY", "DESIRED", "DESIRED");
    }

    @Test
    void twoDeploymentsCreatedAtOnceOnTheSameNodesCannotBothPassTheOverlapCheck() throws Exception {
        String app = createApplication();
        createRelease(app, "1.0.0");
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        // Another create of this environment, between its overlap check and its commit.
        Thread other = new Thread(() -> tx.executeWithoutResult(status -> {
            deploymentRepository.lockEnvironment(env);
            locked.countDown();
            try {
                done.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        other.start();
        assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<String> created = CompletableFuture.supplyAsync(() -> deploy(Map.of(), app, "1.0.0"));
        await().during(Duration.ofMillis(700))
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(created)
                        .as("the create waits for the other one to commit")
                        .isNotDone());
        done.countDown();
        String id = created.get(10, TimeUnit.SECONDS);
        other.join(10_000);

        as(deployer())
                .post(
                        "/api/v1/deployments",
                        Map.of("environment", env, "releases", List.of(Map.of("application", app, "version", "1.0.0"))))
                .expectProblem(409);
        assertThat(id).isNotBlank();
    }

    @Test
    void actionsAreRefusedWithReasonsAndViewersMayNotAct() {
        String app = createApplication();
        createRelease(app, "1.0.0");
        String id = deploy(Map.of("batchSize", "1"), app, "1.0.0");

        as(viewer()).post("/api/v1/deployments/{id}/pause", Map.of(), id).expectProblem(403);
        as(viewer()).post("/api/v1/deployments/{id}/rollback", Map.of(), id).expectProblem(403);
        as(deployer()).post("/api/v1/deployments/{id}/resume", Map.of(), id).expectProblem(409);
        as(deployer())
                .post("/api/v1/deployments/{id}/pause", Map.of(), UUID.randomUUID())
                .expectProblem(404);
        as(deployer()).post("/api/v1/deployments/not-a-uuid/cancel", Map.of()).expectProblem(400);
        assertThat(as(viewer())
                        .get("/api/v1/deployments/{id}/events", id)
                        .expect(200)
                        .json()
                        .isArray())
                .isTrue();
    }

    @Test
    void theEventStreamReplaysTheJournalAndEndsWithTheDeployment() throws Exception {
        String app = createApplication();
        createRelease(app, "1.0.0");
        String id = deploy(Map.of(), app, "1.0.0");
        awaitTargets(id, app, "DESIRED", "DESIRED", "DESIRED");
        nodes.forEach(n -> report(n, app, "1.0.0", "HEALTHY"));
        awaitState(id, "SUCCEEDED");

        List<JsonNode> journal = as(viewer())
                .get("/api/v1/deployments/{id}/events", id)
                .expect(200)
                .json()
                .valueStream()
                .toList();
        assertThat(journal.get(0).path("type").asString()).isEqualTo("created");
        assertThat(journal).extracting(e -> e.path("type").asString()).contains("target.healthy", "succeeded");
        long third = journal.get(2).path("id").asLong();

        MvcResult result = mvc.perform(get("/api/v1/deployments/{id}/events", id)
                        .header(HttpHeaders.AUTHORIZATION, "Bearer " + viewer().token())
                        .header("Last-Event-ID", Long.toString(third))
                        .accept(MediaType.TEXT_EVENT_STREAM))
                .andExpect(request().asyncStarted())
                .andReturn();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> result.getResponse().getContentAsString().contains("event:end"));
        String body = result.getResponse().getContentAsString();
        assertThat(body)
                .doesNotContain("id:" + third + "\n")
                .contains("id:" + (journal.get(3).path("id").asLong()));
        assertThat(body).contains("event:target").contains("event:deployment").contains("\"type\":\"succeeded\"");

        as(viewer()).get("/api/v1/deployments/{id}/events", UUID.randomUUID()).expectProblem(404);
    }

    // --- helpers

    private String deploy(Map<String, Object> strategy, String... appVersions) {
        List<Map<String, String>> refs = new ArrayList<>();
        for (int i = 0; i < appVersions.length; i += 2) {
            refs.add(Map.of("application", appVersions[i], "version", appVersions[i + 1]));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("environment", env);
        body.put("releases", refs);
        Map<String, Object> s = new LinkedHashMap<>(strategy);
        s.putIfAbsent("targetTimeoutSeconds", 300);
        body.put("strategy", s);
        return as(deployer()).post("/api/v1/deployments", body).expect(201).text("/id");
    }

    private UUID releaseId(String app, String version) {
        return releases.findByApplicationAndVersion(app, version).orElseThrow().getId();
    }

    /** What the node's agent would report after applying its current generation. */
    private void report(Node node, String app, String version, String state) {
        reportRelease(node, app, releaseId(app, version), state);
    }

    private void reportRelease(Node node, String app, UUID releaseId, String state) {
        long generation = nodeRepository.findById(node.getId()).orElseThrow().getGeneration();
        Set<UUID> touched = tx.execute(status -> progress.apply(
                node.getId(),
                generation,
                List.of(),
                List.of(new TargetProgress.AppState(
                        app, releaseId, state, state.equals("FAILED") ? "health check failed" : "")),
                DeliveryMode.PULL));
        executor.refresh(touched);
    }

    private JsonNode deployment(String id) {
        return as(admin()).get("/api/v1/deployments/{id}", id).expect(200).json();
    }

    private List<String> states(String id, String app) {
        return deployment(id)
                .path("targets")
                .valueStream()
                .filter(t -> t.path("application").asString().equals(app))
                .sorted(java.util.Comparator.comparing(t -> t.path("node").asString()))
                .map(t -> t.path("state").asString())
                .toList();
    }

    private List<String> types(String id) {
        return as(admin())
                .get("/api/v1/deployments/{id}/events", id)
                .expect(200)
                .json()
                .valueStream()
                .map(e -> e.path("type").asString())
                .toList();
    }

    private void awaitTargets(String id, String app, String... expected) {
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() -> assertThat(states(id, app)).containsExactly(expected));
    }

    private JsonNode awaitState(String id, String state) {
        await().atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(50))
                .untilAsserted(() ->
                        assertThat(deployment(id).path("state").asString()).isEqualTo(state));
        return deployment(id);
    }
}
