package dev.tide.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * An agent killed with SIGKILL (its application keeps running, as after a crash without
 * {@code --stop-apps-on-exit}), then its data dir wiped: a plain token is refused with the way
 * on, a token made for the node enrolls it again as the same node, and the new agent stops the
 * application process its old identity left (it has no record of it) before it deploys again, so
 * exactly one process holds the port and the control plane shows one node.
 */
class WipedDataDirE2eTests extends FleetTest {
    @Test
    void anAgentWhoseDataDirWasWipedEnrollsAgainAsTheSameNodeAndItsOldAppProcessIsStopped() throws Exception {
        fleet.environment("wiped", "PUSH", false, 30);
        AgentProcess first = fleet.agents("wiped", "wiped", 1).get(0);
        fleet.application("hello-wiped", List.of());
        fleet.compiledRelease("hello-wiped", "1.0.0", "port", List.of());
        fleet.compiledRelease("hello-wiped", "2.0.0", "port", List.of());
        fleet.awaitDeployment(fleet.deploy("wiped", "hello-wiped", "1.0.0"), "SUCCEEDED", Duration.ofSeconds(90));
        String nodeId = fleet.nodes("wiped").get(0).get("id").asString();
        long oldApp = single(fleet.applicationProcesses()).pid();

        first.kill();
        wipe(first.dataDir);
        assertThat(fleet.answer(first.appPort))
                .as("the old app outlives its agent")
                .contains("1.0.0");

        // a plain token: refused, with the way on
        AgentProcess plain = fleet.started(again(first, fleet.enrollmentToken("wiped")));
        assertThat(plain.waitForExit(60)).isEqualTo(1);
        assertThat(Files.readString(plain.log)).contains("tide env tokens create wiped --node " + first.name);
        wipe(first.dataDir); // what the refused start wrote (its key), as an operator starting over would

        long reenrollAt = System.nanoTime();
        String token = fleet.api
                .post("/api/v1/environments/wiped/enrollment-tokens", Map.of("node", first.name))
                .expect(201)
                .body()
                .get("token")
                .asString();
        AgentProcess second = fleet.started(again(first, token));
        // the current release comes back, on the same port, in place of the old process
        await().atMost(Duration.ofSeconds(60))
                .failFast("the agent exited", () -> !second.isAlive())
                .until(() -> fleet.applicationProcesses().stream().noneMatch(p -> p.pid() == oldApp)
                        && "1.0.0".equals(version(fleet.answer(first.appPort))));
        Duration backOnV1 = Duration.ofNanos(System.nanoTime() - reenrollAt);
        assertThat(Files.readString(second.log)).contains("stopped pid " + oldApp);

        fleet.awaitDeployment(fleet.deploy("wiped", "hello-wiped", "2.0.0"), "SUCCEEDED", Duration.ofSeconds(90));
        assertThat(fleet.answer(first.appPort)).contains("2.0.0");
        await().atMost(Duration.ofSeconds(20))
                .untilAsserted(() -> assertThat(fleet.applicationProcesses())
                        .as("processes of the app:%n%s", second.logTail())
                        .hasSize(1));
        List<JsonNode> nodes = fleet.nodes("wiped");
        assertThat(nodes).hasSize(1);
        assertThat(nodes.get(0).get("id").asString()).isEqualTo(nodeId);
        System.out.printf(
                "measured: re-enrolled and serving the current release again %.1f s after the agent started%n",
                backOnV1.toMillis() / 1000.0);
    }

    /** The same agent (name, data dir, ports) started with {@code token}. */
    private static AgentProcess again(AgentProcess old, String token) {
        return new AgentProcess(
                fleet.controlPlane, token, old.name, old.dataDir, old.listenPort, old.appPort, old.appPort2);
    }

    private static ProcessHandle single(List<ProcessHandle> processes) {
        assertThat(processes).hasSize(1);
        return processes.get(0);
    }

    /** The version in the example app's answer ("... 1.0.0 ..."), or null. */
    private static String version(String answer) {
        if (answer == null) {
            return null;
        }
        return Stream.of("1.0.0", "2.0.0").filter(answer::contains).findFirst().orElse(null);
    }

    private static void wipe(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
