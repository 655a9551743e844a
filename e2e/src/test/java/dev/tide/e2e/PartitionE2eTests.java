package dev.tide.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A network partition between the control plane and its nodes, through {@link TcpProxy}s the test
 * cuts and heals: one in front of the control plane's gRPC port (a watching PULL agent and a PUSH
 * agent dial it) and one in front of the PUSH agent's listener (the agent advertises it as its push
 * endpoint, so the control plane's sessions cross it too). During the cut the applications keep
 * serving, the nodes are shown offline, and a deployment created meanwhile waits; after the heal
 * both nodes converge to it. The cut lasts {@code -Dtide.e2e.partition-seconds} (30 in the build;
 * the fault suite's long version is 600, see docs/reliability.md).
 */
class PartitionE2eTests {
    private static final Duration CUT = Duration.ofSeconds(Long.getLong("tide.e2e.partition-seconds", 30));
    /**
     * A node is heard from every 5 s (long-poll cap, push ping 2 s) and shown offline after 12 s of
     * silence (2 × 5 s + 2 s), instead of 130 s by default, so the build's cut shows it.
     */
    private static final List<String> SHORT_WINDOWS = List.of(
            "--tide.delivery.max-wait=5s",
            "--tide.delivery.push-ping-interval=2s",
            "--tide.delivery.last-seen-flush-interval=1s",
            "--tide.nodes.longest-silence=5s",
            "--tide.nodes.last-seen-buffering=2s");

    @TempDir
    Path dir;

    @Test
    void appsKeepServingThroughAPartitionTheNodesShowOfflineAndBothConvergeAfterTheHeal() throws Exception {
        assertThat(CUT)
                .as("the cut must outlast the 12 s offline window")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(20));
        try (Fleet fleet = new Fleet(dir, SHORT_WINDOWS);
                TcpProxy toControlPlane = new TcpProxy("127.0.0.1", fleet.controlPlane.grpcPort)) {
            fleet.environment("part-pull", "PULL", true, 5);
            fleet.environment("part-push", "PUSH", false, 5);
            AgentProcess puller = fleet.started(agent(fleet, "part-pull").via(toControlPlane.address()));
            AgentProcess pushed = agent(fleet, "part-push").via(toControlPlane.address());
            try (TcpProxy toAgent = new TcpProxy("127.0.0.1", pushed.listenPort)) {
                fleet.started(pushed.withArgs("--advertise", toAgent.address()));
                List<AgentProcess> both = List.of(puller, pushed);
                await().atMost(Duration.ofSeconds(60))
                        .failFast("an agent exited", () -> both.stream().anyMatch(a -> !a.isAlive()))
                        .until(() -> fleet.nodes("part-pull").size()
                                        + fleet.nodes("part-push").size()
                                == 2);
                fleet.application("hello-part", List.of());
                fleet.compiledRelease("hello-part", "1.0.0", "port", List.of());
                fleet.compiledRelease("hello-part", "2.0.0", "port", List.of());
                for (String env : List.of("part-pull", "part-push")) {
                    fleet.awaitDeployment(
                            fleet.deploy(env, "hello-part", "1.0.0"), "SUCCEEDED", Duration.ofSeconds(90));
                }

                long cutAt = System.nanoTime();
                toControlPlane.cut();
                toAgent.cut();
                String pull = fleet.deploy("part-pull", "hello-part", "2.0.0");
                String push = fleet.deploy("part-push", "hello-part", "2.0.0");
                await().atMost(CUT)
                        .pollInterval(Duration.ofMillis(500))
                        .failFast("an app stopped serving during the cut", () -> !serving(fleet, both, "1.0.0"))
                        .until(() -> offline(fleet, "part-pull") && offline(fleet, "part-push"));
                Duration shownOffline = Duration.ofNanos(System.nanoTime() - cutAt);
                Duration rest = CUT.minus(shownOffline);
                await().during(rest)
                        .atMost(rest.plusSeconds(10))
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> serving(fleet, both, "1.0.0")
                                && offline(fleet, "part-pull")
                                && offline(fleet, "part-push")
                                && !"SUCCEEDED".equals(state(fleet, pull))
                                && !"SUCCEEDED".equals(state(fleet, push)));

                long healAt = System.nanoTime();
                toControlPlane.heal();
                toAgent.heal();
                fleet.awaitDeployment(pull, "SUCCEEDED", Duration.ofSeconds(150));
                Duration pullConverged = Duration.ofNanos(System.nanoTime() - healAt);
                fleet.awaitDeployment(push, "SUCCEEDED", Duration.ofSeconds(150));
                Duration pushConverged = Duration.ofNanos(System.nanoTime() - healAt);
                assertThat(serving(fleet, both, "2.0.0")).isTrue();
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> !offline(fleet, "part-pull") && !offline(fleet, "part-push"));
                System.out.printf(
                        "measured: cut %d s; both nodes shown offline %.1f s into the cut; after the heal the PULL"
                                + " (watch) node converged in %.1f s, the PUSH node in %.1f s%n",
                        CUT.toSeconds(),
                        shownOffline.toMillis() / 1000.0,
                        pullConverged.toMillis() / 1000.0,
                        pushConverged.toMillis() / 1000.0);
            }
        }
    }

    private static AgentProcess agent(Fleet fleet, String environment) {
        String name = environment + "-1";
        return new AgentProcess(
                fleet.controlPlane, fleet.enrollmentToken(environment), name, fleet.dir.resolve("agents/" + name));
    }

    private static boolean serving(Fleet fleet, List<AgentProcess> agents, String version) {
        return agents.stream().allMatch(a -> {
            String answer = fleet.answer(a.appPort);
            return answer != null && answer.contains(version);
        });
    }

    private static boolean offline(Fleet fleet, String environment) {
        return fleet.api
                        .get("/api/v1/nodes?online=false&environment=" + environment)
                        .expect(200)
                        .body()
                        .get("items")
                        .size()
                == 1;
    }

    private static String state(Fleet fleet, String deploymentId) {
        return fleet.deployment(deploymentId).get("state").asString();
    }
}
