package dev.tide.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.bench.support.Api;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Orchestration end to end, the same scenario run side by side on a PUSH environment and on a
 * PULL (watch) environment of six real agents each: dependency stages across nodes, waves with
 * a pause, canary failure, failure threshold with auto-rollback in reverse dependency order,
 * cancel, pause/resume, a control plane killed mid-deployment, and a manual rollback. Two
 * applications run on every node: {@code db} and {@code web}, which depends on {@code db}.
 * The scenarios build on each other, so they run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OrchestrationE2eTests {
    private static final Duration DEPLOY = Duration.ofSeconds(150);
    private static final List<String> ENVIRONMENTS = List.of("orch-push", "orch-pull");

    @TempDir
    static java.nio.file.Path dir;

    static Fleet fleet;
    static final Map<String, List<AgentProcess>> agents = new HashMap<>();

    @BeforeAll
    static void startFleet() throws IOException {
        fleet = new Fleet(dir);
        fleet.environment("orch-push", "PUSH", false, 30);
        fleet.environment("orch-pull", "PULL", true, 30);
        agents.put("orch-push", fleet.agents("orch-push", "ps", 6));
        agents.put("orch-pull", fleet.agents("orch-pull", "pl", 6));
        fleet.application("db", List.of());
        fleet.application("web", List.of("db"));
    }

    @AfterAll
    static void stopFleet() {
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    @Order(1)
    void aDependentApplicationStartsNowhereBeforeItsDependencyIsHealthyEverywhere() throws IOException {
        fleet.compiledRelease("db", "1.0.0", "port", List.of());
        fleet.compiledRelease("web", "1.0.0", "port2", List.of());

        Map<String, JsonNode> done =
                onBoth(env -> deploy(env, Map.of("batchSize", "3"), "web", "1.0.0", "db", "1.0.0"), "SUCCEEDED");

        for (String env : ENVIRONMENTS) {
            JsonNode d = done.get(env);
            Instant lastDbHealthy = targets(d, "db").stream()
                    .map(t -> instant(t, "healthyAt"))
                    .max(Instant::compareTo)
                    .orElseThrow();
            Instant firstWebDesired = targets(d, "web").stream()
                    .map(t -> instant(t, "desiredAt"))
                    .min(Instant::compareTo)
                    .orElseThrow();
            assertThat(firstWebDesired)
                    .as("%s: web released only after db is healthy on all 6 nodes", env)
                    .isAfterOrEqualTo(lastDbHealthy);
            assertThat(d.get("waves")).hasSize(4); // two stages x two waves of 3
            assertRunning(env, "db", "1.0.0");
            assertRunning(env, "web", "1.0.0");
        }
    }

    @Test
    @Order(2)
    void wavesOfTwoRollOneAfterTheOtherWithThePauseBetween() throws IOException {
        fleet.compiledRelease("db", "1.1.0", "port", List.of());

        Map<String, JsonNode> done =
                onBoth(env -> deploy(env, Map.of("batchSize", "2", "pauseSeconds", 2), "db", "1.1.0"), "SUCCEEDED");

        for (String env : ENVIRONMENTS) {
            List<JsonNode> targets = targets(done.get(env), "db");
            assertThat(done.get(env).get("waves")).hasSize(3);
            for (int wave = 1; wave < 3; wave++) {
                int w = wave;
                Instant previousHealthy = targets.stream()
                        .filter(t -> t.get("wave").asInt() == w - 1)
                        .map(t -> instant(t, "healthyAt"))
                        .max(Instant::compareTo)
                        .orElseThrow();
                Instant released = targets.stream()
                        .filter(t -> t.get("wave").asInt() == w)
                        .map(t -> instant(t, "desiredAt"))
                        .min(Instant::compareTo)
                        .orElseThrow();
                assertThat(Duration.between(previousHealthy, released))
                        .as("%s: wave %d waits for wave %d to be healthy, then pauses 2 s", env, w, w - 1)
                        .isGreaterThanOrEqualTo(Duration.ofMillis(1900));
            }
            assertRunning(env, "db", "1.1.0");
        }
    }

    @Test
    @Order(3)
    void aFailingCanaryStopsTheRolloutAndRollsItBack() throws IOException {
        fleet.compiledRelease("db", "1.2.0", "port", List.of("ps-1", "pl-1"));

        Map<String, JsonNode> done = onBoth(
                env -> deploy(env, Map.of("canary", 1, "batchSize", "50%", "autoRollback", true), "db", "1.2.0"),
                "ROLLED_BACK");

        for (String env : ENVIRONMENTS) {
            List<JsonNode> targets = targets(done.get(env), "db");
            assertThat(targets.stream().filter(t -> t.get("wave").asInt() == 0))
                    .singleElement()
                    .satisfies(t -> assertThat(t.get("state").asString()).isEqualTo("ROLLED_BACK"));
            assertThat(targets.stream().filter(t -> t.get("wave").asInt() > 0))
                    .hasSize(5)
                    .allSatisfy(t -> assertThat(t.get("state").asString()).isEqualTo("SKIPPED"));
            assertRunning(env, "db", "1.1.0");
        }
    }

    @Test
    @Order(4)
    void pastTheFailureThresholdEveryNodeReturnsToThePreviousReleasesDependentsFirst() throws IOException {
        fleet.compiledRelease("db", "1.3.0", "port", List.of());
        fleet.compiledRelease("web", "1.3.0", "port2", List.of("ps-5", "pl-5"));

        Map<String, JsonNode> done = onBoth(
                env -> deploy(
                        env,
                        Map.of("batchSize", "3", "failureThreshold", "0", "autoRollback", true),
                        "db",
                        "1.3.0",
                        "web",
                        "1.3.0"),
                "ROLLED_BACK");

        for (String env : ENVIRONMENTS) {
            JsonNode d = done.get(env);
            assertThat(targets(d, "db"))
                    .allSatisfy(t -> assertThat(t.get("state").asString()).isEqualTo("ROLLED_BACK"));
            assertThat(targets(d, "web"))
                    .allSatisfy(t -> assertThat(t.get("state").asString()).isEqualTo("ROLLED_BACK"));
            Instant lastWebBack = targets(d, "web").stream()
                    .map(t -> instant(t, "rolledBackAt"))
                    .max(Instant::compareTo)
                    .orElseThrow();
            List<JsonNode> events = fleet.api
                    .get("/api/v1/deployments/" + d.get("id").asString() + "/events")
                    .expect(200)
                    .body()
                    .valueStream()
                    .toList();
            Instant dbRollbackReleased = events.stream()
                    .filter(e -> e.get("type").asString().equals("rollback-step")
                            && e.get("stage").asInt() == 0)
                    .map(e -> Instant.parse(e.get("at").asString()))
                    .findFirst()
                    .orElseThrow();
            assertThat(dbRollbackReleased)
                    .as("%s: db is rolled back only after web is back everywhere", env)
                    .isAfterOrEqualTo(lastWebBack);
            assertRunning(env, "db", "1.1.0");
            assertRunning(env, "web", "1.0.0");
        }
    }

    @Test
    @Order(5)
    void cancelStopsAfterTheTargetsInFlight() throws IOException {
        fleet.compiledRelease("db", "1.4.0", "port", List.of());
        Map<String, String> ids = new HashMap<>();
        for (String env : ENVIRONMENTS) {
            ids.put(env, deploy(env, Map.of("batchSize", "2", "pauseSeconds", 60), "db", "1.4.0"));
        }
        for (String env : ENVIRONMENTS) {
            awaitUntil(ids.get(env), d -> d.get("message").asString().startsWith("waiting"));
            fleet.act(ids.get(env), "cancel");
        }
        for (String env : ENVIRONMENTS) {
            JsonNode d = awaitState(ids.get(env), "CANCELLED");
            assertThat(targets(d, "db").stream().map(t -> t.get("state").asString()))
                    .containsExactly("HEALTHY", "HEALTHY", "SKIPPED", "SKIPPED", "SKIPPED", "SKIPPED");
            List<AgentProcess> nodes = agents.get(env);
            for (int i = 0; i < nodes.size(); i++) {
                assertThat(fleet.answer(nodes.get(i).appPort)).contains(i < 2 ? "1.4.0" : "1.1.0");
            }
        }
    }

    @Test
    @Order(6)
    void aPausedDeploymentReleasesNothingUntilResumed() throws Exception {
        fleet.compiledRelease("db", "1.5.0", "port", List.of());
        Map<String, String> ids = new HashMap<>();
        for (String env : ENVIRONMENTS) {
            String id = deploy(env, Map.of("batchSize", "2"), "db", "1.5.0");
            fleet.act(id, "pause");
            ids.put(env, id);
        }
        // nothing more is released for as long as we look
        await().during(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (String env : ENVIRONMENTS) {
                JsonNode d = fleet.deployment(ids.get(env));
                assertThat(d.get("state").asString()).isEqualTo("PAUSED");
                assertThat(targets(d, "db").stream()
                                .filter(t -> !t.get("desiredAt").isNull()))
                        .as("%s: at most the first wave was released before the pause", env)
                        .hasSizeLessThanOrEqualTo(2);
            }
        });
        for (String env : ENVIRONMENTS) {
            fleet.act(ids.get(env), "resume");
        }
        for (String env : ENVIRONMENTS) {
            awaitState(ids.get(env), "SUCCEEDED");
            assertRunning(env, "db", "1.5.0");
        }
    }

    @Test
    @Order(7)
    void aControlPlaneKilledMidDeploymentResumesWithoutRepeatingOrSkippingAStep() throws Exception {
        fleet.compiledRelease("db", "1.6.0", "port", List.of());
        Map<String, String> ids = new HashMap<>();
        for (String env : ENVIRONMENTS) {
            ids.put(env, deploy(env, Map.of("batchSize", "2", "pauseSeconds", 3), "db", "1.6.0"));
        }
        for (String env : ENVIRONMENTS) {
            awaitUntil(ids.get(env), d -> d.get("message").asString().startsWith("waiting"));
        }
        fleet.controlPlane.kill();
        fleet.controlPlane.start();

        for (String env : ENVIRONMENTS) {
            JsonNode d = awaitState(ids.get(env), "SUCCEEDED");
            List<JsonNode> events = fleet.api
                    .get("/api/v1/deployments/" + ids.get(env) + "/events")
                    .expect(200)
                    .body()
                    .valueStream()
                    .toList();
            Map<String, Integer> released = new HashMap<>();
            events.stream()
                    .filter(e -> e.get("type").asString().equals("target.desired"))
                    .forEach(e -> released.merge(e.get("node").asString(), 1, Integer::sum));
            assertThat(released).as("%s: every node released exactly once", env).hasSize(6);
            assertThat(released.values()).containsOnly(1);
            assertThat(d.get("waves")).hasSize(3);
            assertRunning(env, "db", "1.6.0");
        }
    }

    @Test
    @Order(8)
    void aFinishedDeploymentCanBeRolledBackByHand() {
        Map<String, String> ids = new HashMap<>();
        for (String env : ENVIRONMENTS) {
            String latest = fleet.api
                    .get("/api/v1/deployments?environment=" + env + "&limit=1")
                    .expect(200)
                    .body()
                    .get(0)
                    .get("id")
                    .asString();
            assertThat(fleet.act(latest, "rollback").get("state").asString()).isEqualTo("ROLLING_BACK");
            ids.put(env, latest);
        }
        for (String env : ENVIRONMENTS) {
            awaitState(ids.get(env), "ROLLED_BACK");
            assertRunning(env, "db", "1.5.0");
            // A second rollback of a rolled-back deployment is refused with the reason.
            Api.Response again = fleet.api.post("/api/v1/deployments/" + ids.get(env) + "/rollback", Map.of());
            assertThat(again.status()).isEqualTo(409);
            assertThat(again.body().get("detail").asString()).contains("ROLLED_BACK");
        }
    }

    @Test
    @Order(9)
    void aCycleInTheDependenciesIsRefusedWhenTheApplicationIsUpdated() {
        Api.Response refused = fleet.api.patch("/api/v1/applications/db", Map.of("dependsOn", List.of("web")));

        assertThat(refused.status()).isEqualTo(409);
        assertThat(refused.body().get("detail").asString()).containsAnyOf("db -> web -> db", "web -> db -> web");
        assertThat(fleet.api.get("/api/v1/applications/db").expect(200).body().get("dependsOn"))
                .as("the refused update left db without dependencies")
                .isEmpty();
    }

    // --- helpers

    /** Runs the same deployment on both environments at once and waits for both to end in {@code state}. */
    private static Map<String, JsonNode> onBoth(Function<String, String> deploy, String state) {
        Map<String, String> ids = new HashMap<>();
        for (String env : ENVIRONMENTS) {
            ids.put(env, deploy.apply(env));
        }
        Map<String, CompletableFuture<JsonNode>> waits = new HashMap<>();
        ids.forEach((env, id) -> waits.put(env, CompletableFuture.supplyAsync(() -> awaitState(id, state))));
        Map<String, JsonNode> done = new HashMap<>();
        waits.forEach((env, f) -> done.put(env, f.join()));
        return done;
    }

    private static String deploy(String env, Map<String, Object> strategy, String... appVersions) {
        List<Map<String, String>> releases = new ArrayList<>();
        for (int i = 0; i < appVersions.length; i += 2) {
            releases.add(Map.of("application", appVersions[i], "version", appVersions[i + 1]));
        }
        return fleet.deploy(env, releases, strategy);
    }

    private static JsonNode awaitState(String id, String state) {
        try {
            return fleet.awaitDeployment(id, state, DEPLOY);
        } catch (Throwable e) {
            throw new AssertionError(
                    "deployment " + id + " did not end " + state + ": " + fleet.deployment(id) + "\n"
                            + fleet.diagnostics(),
                    e);
        }
    }

    private static void awaitUntil(String id, java.util.function.Predicate<JsonNode> condition) {
        await().atMost(DEPLOY).pollInterval(Duration.ofMillis(200)).until(() -> condition.test(fleet.deployment(id)));
    }

    private static List<JsonNode> targets(JsonNode deployment, String app) {
        return StreamSupport.stream(deployment.get("targets").spliterator(), false)
                .filter(t -> t.get("application").asString().equals(app))
                .toList();
    }

    private static Instant instant(JsonNode target, String field) {
        JsonNode v = target.get(field);
        assertThat(v.isNull()).as("%s of %s", field, target).isFalse();
        return Instant.parse(v.asString());
    }

    /** Every node of {@code env} answers with {@code version} of {@code app} on that app's port. */
    private static void assertRunning(String env, String app, String version) {
        for (AgentProcess a : agents.get(env)) {
            int port = app.equals("db") ? a.appPort : a.appPort2;
            await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(200))
                    .untilAsserted(() -> assertThat(fleet.answer(port))
                            .as("%s on %s", app, a.name)
                            .isEqualTo(app + " from " + a.name + " (version " + version + ")\n"));
        }
    }
}
