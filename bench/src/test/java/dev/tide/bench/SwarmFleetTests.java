package dev.tide.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.bench.support.Api;
import dev.tide.bench.support.ControlPlaneProcess;
import dev.tide.bench.support.Processes;
import dev.tide.bench.swarm.Swarm;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
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
 * A 200-agent swarm (one worker JVM, the same launcher, worker and agent core as {@code ./tide
 * bench}) against the real control-plane jar: enrolled with one multi-use token, deploying a
 * dependent pair in pull (watch) mode, switched to push at runtime, deploying again, and switched
 * back. Ordering is checked from the control plane's own timestamps: no node receives {@code web}
 * before {@code db} is healthy on every node.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwarmFleetTests {
    private static final int AGENTS = 200;
    private static final String ENV = "swarm";

    @TempDir
    static Path dir;

    private static ControlPlaneProcess cp;
    private static Api api;
    private static Tide tide;
    private static ControlPlaneProbe probe;
    private static Swarm swarm;

    @BeforeAll
    static void startFleet() throws Exception {
        cp = new ControlPlaneProcess(dir).start();
        api = cp.admin().withToken("swarm-test");
        tide = new Tide(api);
        probe = new ControlPlaneProbe(api, cp.jvm(), cp.databaseDir());
        tide.environment(ENV, "watch", 50);
        tide.applications(4, 4096);
        String token = tide.fleetToken(ENV, AGENTS);
        swarm = Swarm.launch(
                new Swarm.Plan(
                        AGENTS,
                        AGENTS,
                        "512m",
                        Map.of(
                                "control-plane", cp.grpcTarget(),
                                "token", token,
                                "prefix", "ci",
                                "listen-base", "0",
                                "pool", "32",
                                "start-ms", "5",
                                "health-ms", "20")),
                dir);
        try {
            swarm.awaitReady(Duration.ofMinutes(3), n -> {});
        } catch (RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\n" + diagnostics(), e);
        }
    }

    @AfterAll
    static void stopFleet() {
        if (swarm != null) {
            swarm.close();
        }
        if (cp != null) {
            cp.close();
        }
    }

    @Test
    @Order(1)
    void everyAgentEnrolledWithOneTokenAndTheTokenIsUsedUp() {
        assertThat(tide.nodes(ENV)).hasSize(AGENTS);
        JsonNode tokens = cp.admin()
                .get("/api/v1/environments/" + ENV + "/enrollment-tokens")
                .expect(200)
                .body();
        assertThat(tokens.get(0).get("uses").asInt()).isEqualTo(AGENTS);
        assertThat(tokens.get(0).get("status").asString()).isEqualTo("USED");
    }

    @Test
    @Order(2)
    void pullWatchDeploysTheDependencyEverywhereBeforeTheDependent() throws Exception {
        JsonNode d = deploy("1.0.0");

        assertOrdered(d);
        assertThat(probe.scrape().getOrDefault("tide_watch_parked", 0.0)).isGreaterThan(0.0);
    }

    @Test
    @Order(3)
    void switchedToPushAtRuntimeTheSameSwarmTakesSessionsAndDeploysInOrder() throws Exception {
        tide.switchMode(ENV, "PUSH", false);
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> probe.scrape().getOrDefault("tide_push_sessions", 0.0) >= AGENTS);
        await().atMost(Duration.ofMinutes(1))
                .until(() -> tide.nodes(ENV).stream()
                        .allMatch(n -> "PUSH".equals(n.path("ackedMode").asString(""))));

        JsonNode d = deploy("1.0.1");

        assertOrdered(d);
        assertThat(probe.scrape().getOrDefault("tide_push_applies_total", 0.0)).isGreaterThanOrEqualTo(2.0 * AGENTS);
    }

    @Test
    @Order(4)
    void switchedBackToPullTheSwarmPollsAgainAndConverges() throws Exception {
        tide.switchMode(ENV, "PULL", true);
        await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> tide.nodes(ENV).stream()
                        .allMatch(n -> "PULL".equals(n.path("ackedMode").asString(""))));

        JsonNode d = deploy("1.0.2");

        assertOrdered(d);
        // A target is healthy on the report that says its application is; the node's applied
        // generation follows on the agent's next report, once the whole generation is applied.
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(tide.nodes(ENV))
                        .allSatisfy(n -> assertThat(n.get("converged").asBoolean())
                                .as("node %s converged", n.get("name").asString())
                                .isTrue()));
    }

    @Test
    @Order(5)
    void killedWithTheFleetConnectedTheControlPlaneGetsEveryAgentBackSpreadOutAndDeploysAgain() throws Exception {
        await().atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> ReconnectCurve.connected(api, "tide_watch_parked") >= AGENTS);
        long logBefore = Files.size(cp.log);

        cp.kill();
        Instant kill = Instant.now();
        var recording = ReconnectCurve.recordInBackground("watch", kill, AGENTS, api, Duration.ofMinutes(3));
        cp.start(Duration.ofMinutes(3));
        ReconnectCurve curve = ReconnectCurve.await(recording);
        System.out.println("SwarmFleetTests, " + AGENTS + " watching agents: " + curve.summary());

        assertThat(curve.secondsTo(1.0)).as(curve.summary()).isLessThan(150.0);
        // Without jitter every agent would retry in the same instant; with it, no second holds half the fleet.
        assertThat(curve.peakPerSecond()).as(curve.summary()).isLessThanOrEqualTo(AGENTS / 2);
        assertThat(curve.samples().stream()
                        .filter(ReconnectCurve.Sample::answered)
                        .count())
                .as("samples while agents came back: " + curve.summary())
                .isGreaterThan(1);
        assertOrdered(deploy("1.0.3"));
        String after = Files.readString(cp.log).substring((int) logBefore);
        assertThat(after.lines().filter(l -> l.contains(" ERROR ")))
                .as("ERROR lines after the restart")
                .isEmpty();
    }

    private static JsonNode deploy(String version) throws Exception {
        String id = tide.deploy(ENV, Map.of("db", version, "web", version), Duration.ofMinutes(2));
        JsonNode d = tide.awaitFinished(id, Duration.ofMinutes(4));
        assertThat(d.get("state").asString())
                .as("deployment %s: %s", id, d.path("message"))
                .isEqualTo("SUCCEEDED");
        assertThat(d.get("targets")).hasSize(2 * AGENTS);
        return d;
    }

    /** Every web target was delivered after the last db target became healthy. */
    private static void assertOrdered(JsonNode d) {
        Instant lastDbHealthy =
                times(d, "db", "healthyAt").stream().max(Instant::compareTo).orElseThrow();
        Instant firstWebDelivered =
                times(d, "web", "deliveredAt").stream().min(Instant::compareTo).orElseThrow();
        assertThat(times(d, "db", "healthyAt")).hasSize(AGENTS);
        assertThat(times(d, "web", "healthyAt")).hasSize(AGENTS);
        assertThat(firstWebDelivered).isAfterOrEqualTo(lastDbHealthy);
    }

    private static List<Instant> times(JsonNode d, String app, String field) {
        return StreamSupport.stream(d.get("targets").spliterator(), false)
                .filter(t -> t.get("application").asString().equals(app))
                .filter(t -> t.hasNonNull(field))
                .map(t -> Instant.parse(t.get(field).asString()))
                .toList();
    }

    private static String diagnostics() {
        StringBuilder sb = new StringBuilder("control plane:\n").append(Processes.tail(cp.log, 30));
        Path worker = dir.resolve("swarm-worker-0.log");
        if (Files.exists(worker)) {
            sb.append("\nworker:\n").append(Processes.tail(worker, 30));
        }
        return sb.toString();
    }
}
