package dev.tide.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The agent killed with SIGKILL in the middle of an apply, round after round: each time the
 * restarted agent finishes the deployment, and exactly one process of the application runs and
 * answers on its port, never an orphan of the killed agent's apply. Rounds: {@code
 * -Dtide.e2e.crash-rounds} (3 in the build; the fault suite's long version runs 10 or more, see
 * docs/reliability.md).
 */
class AgentCrashE2eTests extends FleetTest {
    private static final int ROUNDS = Integer.getInteger("tide.e2e.crash-rounds", 3);
    private static final Set<String> APPLYING = Set.of("DELIVERED", "APPLIED");

    @Test
    void anAgentKilledDuringAnApplyConvergesEveryTimeAndLeavesNoOrphan() throws Exception {
        fleet.environment("crash", "PUSH", false, 30);
        AgentProcess agent = fleet.agents("crash", "crash", 1).get(0);
        fleet.application("hello-crash", List.of());
        for (int round = 1; round <= ROUNDS; round++) {
            String version = round + ".0.0";
            fleet.compiledRelease("hello-crash", version, "port", List.of());
            String id = fleet.deploy("crash", "hello-crash", version);
            // kill it once the node has the release and before it is healthy
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> APPLYING.contains(targetState(id)) || "HEALTHY".equals(targetState(id)));
            boolean during = APPLYING.contains(targetState(id));
            agent.kill();
            agent = fleet.restart(agent);

            JsonNode done = fleet.awaitDeployment(id, "SUCCEEDED", Duration.ofSeconds(90));
            assertThat(done.get("targets").get(0).get("state").asString()).isEqualTo("HEALTHY");
            assertThat(fleet.answer(agent.appPort))
                    .as("round %d (killed during the apply: %s)", round, during)
                    .contains(version);
            AgentProcess current = agent;
            int r = round;
            await().atMost(Duration.ofSeconds(20))
                    .untilAsserted(() -> assertThat(fleet.applicationProcesses())
                            .as("processes of the app after round %d:%n%s", r, current.logTail())
                            .hasSize(1));
        }
    }

    private static String targetState(String deploymentId) {
        JsonNode targets = fleet.deployment(deploymentId).get("targets");
        return targets.isEmpty() ? "" : targets.get(0).get("state").asString();
    }
}
