package dev.tide.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.bench.support.Api;
import dev.tide.bench.support.ControlPlaneProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Two control-plane replicas (real processes) on one PostgreSQL and real push agents: the replica
 * that holds push sessions is killed ({@code kill -9}) in the middle of a deployment in waves; the
 * other takes its nodes over and finishes the deployment, and every node is told its desired state
 * exactly once. Replica A runs the embedded PostgreSQL, which lives on after A's JVM is killed, as
 * an external database would; B is pointed at it.
 */
class ReplicaFailoverE2eTests {
    private static final int AGENTS = 3;
    private static final Duration DEPLOY = Duration.ofSeconds(180);
    /** Short leases, so that the test sees a dead replica's nodes taken over within seconds. */
    private static final List<String> CLUSTER = List.of(
            "--tide.cluster.lease-ttl=3s",
            "--tide.cluster.lease-renew-interval=1s",
            // every replica serves every artifact to the push nodes it holds
            "--tide.artifacts.store=database");

    @TempDir
    static Path dir;

    static Fleet fleet;
    static ControlPlaneProcess b;

    @BeforeAll
    static void startReplicas() throws Exception {
        fleet = new Fleet(dir.resolve("a"), concat(CLUSTER, List.of("--tide.cluster.replica-id=a")));
        Matcher port = Pattern.compile("embedded PostgreSQL in .* on port (\\d+)")
                .matcher(Files.readString(fleet.controlPlane.log));
        assertThat(port.find())
                .as("replica A's log names its embedded PostgreSQL's port")
                .isTrue();
        b = new ControlPlaneProcess(Files.createDirectories(dir.resolve("b")))
                .arguments(concat(
                        CLUSTER,
                        List.of(
                                "--tide.cluster.replica-id=b",
                                "--spring.datasource.url=jdbc:postgresql://localhost:" + port.group(1) + "/postgres",
                                "--spring.datasource.username=postgres")))
                .start();
        // Started by its launcher, the replica maps the class archive the launch cache holds.
        assertThat(b.jvm().info().arguments().orElseThrow())
                .as("replica B's JVM options")
                .anyMatch(option -> option.startsWith("-XX:SharedArchiveFile="));
    }

    @AfterAll
    static void stop() {
        if (b != null) {
            b.close();
        }
        if (fleet != null) {
            fleet.close();
        }
    }

    @Test
    void theReplicaHoldingPushSessionsIsKilledMidDeploymentAndTheOtherFinishesItTellingEachNodeOnce() throws Exception {
        fleet.environment("failover", "PUSH", false, 30);
        List<AgentProcess> agents = fleet.agents("failover", "fo", AGENTS);
        Api onB = b.admin();
        // Both replicas hold push leases (a fair share each) before the deployment starts.
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> sessions(fleet.api) >= 1
                        && sessions(onB) >= 1
                        && sessions(fleet.api) + sessions(onB) == AGENTS);
        fleet.application("hello-fo", List.of());
        fleet.release("hello-fo", "1.0.0", "/health");

        String id = fleet.deploy(
                "failover",
                List.of(Map.of("application", "hello-fo", "version", "1.0.0")),
                Map.of("batchSize", "1", "pauseSeconds", 3));
        await().atMost(DEPLOY).pollInterval(Duration.ofMillis(200)).until(() -> healthyTargets(fleet.api, id) >= 1);
        fleet.controlPlane.kill();
        long killed = System.nanoTime();
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> sessions(onB) == AGENTS);
        System.out.printf(
                "ReplicaFailoverE2eTests: replica B held every push session %d ms after A was killed%n",
                (System.nanoTime() - killed) / 1_000_000);

        await().atMost(DEPLOY)
                .pollInterval(Duration.ofMillis(500))
                .failFast(
                        "the deployment ended otherwise",
                        () -> List.of("FAILED", "CANCELLED", "ROLLED_BACK").contains(state(onB, id)))
                .until(() -> state(onB, id).equals("SUCCEEDED"));
        assertThat(sessions(onB)).as("B took over every push session").isEqualTo(AGENTS);
        for (AgentProcess agent : agents) {
            assertThat(fleet.answer(agent.appPort)).contains("1.0.0");
        }
        Map<String, Integer> desired = new HashMap<>();
        for (JsonNode event :
                onB.get("/api/v1/deployments/" + id + "/events").expect(200).body()) {
            if (event.get("type").asString().equals("target.desired")) {
                desired.merge(event.get("node").asString(), 1, Integer::sum);
            }
        }
        assertThat(desired)
                .as("target.desired per node")
                .hasSize(AGENTS)
                .allSatisfy((node, count) -> assertThat(count).as(node).isEqualTo(1));
        assertThat(Files.readString(b.log).lines().filter(l -> l.contains(" ERROR ")))
                .as("ERROR lines in replica B's log")
                .isEmpty();
    }

    /** Push sessions open on the replica {@code api} calls. */
    private static int sessions(Api api) {
        return (int) (double) api.metrics().getOrDefault("tide_push_sessions", 0.0);
    }

    private static String state(Api api, String id) {
        return api.get("/api/v1/deployments/" + id)
                .expect(200)
                .body()
                .get("state")
                .asString();
    }

    private static long healthyTargets(Api api, String id) {
        JsonNode targets =
                api.get("/api/v1/deployments/" + id).expect(200).body().get("targets");
        return targets.valueStream()
                .filter(t -> t.get("state").asString().equals("HEALTHY"))
                .count();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).toList();
    }
}
