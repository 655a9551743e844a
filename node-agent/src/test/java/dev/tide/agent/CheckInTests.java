package dev.tide.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.agent.support.AgentHarness;
import dev.tide.agent.support.FakeControlPlane;
import dev.tide.proto.agent.v1.DeliveryMode;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A push-mode agent that no session reaches still calls home now and then, with its push endpoint,
 * and follows the schedule the answer carries.
 */
class CheckInTests {
    @TempDir
    Path dir;

    private AgentHarness harness;

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void aPushModeAgentNobodyDialsReportsItsEndpointAndLearnsOfASwitchToPull() throws Exception {
        harness = new AgentHarness(dir);
        FakeControlPlane cp = harness.controlPlane;
        cp.setSchedule(FakeControlPlane.push());
        Agent agent = harness.start(harness.config()
                .listen(new HostPort("127.0.0.1", 0))
                .checkInInterval(Duration.ofSeconds(1))
                .build());
        String endpoint = agent.pushAddress().orElseThrow().toString();
        assertThat(agent.isPolling()).isFalse();

        await().atMost(Duration.ofSeconds(10))
                .until(() ->
                        cp.reports.stream().anyMatch(r -> r.getPushEndpoint().equals(endpoint)));

        // the environment switches while no session can reach the node (a new firewall)
        cp.setSchedule(FakeControlPlane.watch(3));
        await().atMost(Duration.ofSeconds(10)).until(agent::isPolling);
        assertThat(agent.schedule().getMode()).isEqualTo(DeliveryMode.PULL);
    }

    @Test
    void theIntervalHasAFloor() throws Exception {
        harness = new AgentHarness(dir);
        org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        harness.config().checkInInterval(Duration.ofMillis(10)).build())
                .hasMessageContaining("--check-in-interval");
    }
}
