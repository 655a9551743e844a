package dev.tide.controlplane.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.IntegrationTest;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The deployment table on the real PostgreSQL: strategy and selector as JSON. */
class DeploymentRepositoryTests extends IntegrationTest {
    @Autowired
    DeploymentRepository deployments;

    @Test
    void strategyAndSelectorRoundTripAsJson() {
        String env = createEnvironment("PUSH");
        Strategy strategy = Strategy.normalize(new Strategy("25%", 2, 60, "10%", false, 120));
        Deployment saved = deployments.save(
                new Deployment(env, strategy, Map.of("zone", "a", "tier", "web"), "it", Instant.now()));

        Deployment loaded = deployments.findById(saved.getId()).orElseThrow();

        assertThat(loaded.getStrategy()).isEqualTo(strategy);
        assertThat(loaded.getStrategy().batch()).isEqualTo(new Strategy.Amount(25, true));
        assertThat(loaded.getSelector()).containsOnly(Map.entry("zone", "a"), Map.entry("tier", "web"));
        assertThat(loaded.getState()).isEqualTo(DeploymentState.PENDING);
        Map<String, Object> raw = jdbc.queryForMap("""
                select strategy ->> 'batchSize' as batch,
                       (strategy ->> 'canary')::int as canary,
                       (strategy ->> 'autoRollback')::boolean as rollback,
                       selector ->> 'tier' as tier
                from deployment where id = ?
                """, saved.getId());
        assertThat(raw)
                .containsEntry("batch", "25%")
                .containsEntry("canary", 2)
                .containsEntry("rollback", false)
                .containsEntry("tier", "web");
    }
}
