package dev.tide.controlplane.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** How targets group into the steps the orchestrator releases one at a time, without Spring. */
class RolloutStepsTests {
    private static final UUID DEPLOYMENT = UUID.randomUUID();

    @Test
    void stepsGoStageByStageThenWaveByWave() {
        List<DeploymentTarget> targets = new ArrayList<>();
        // Deliberately shuffled: web (stage 1) before db (stage 0), waves out of order.
        targets.add(target("n3", "web", 1, 1));
        targets.add(target("n1", "db", 0, 0));
        targets.add(target("n3", "db", 0, 1));
        targets.add(target("n1", "web", 1, 0));
        targets.add(target("n2", "db", 0, 0));

        List<DeploymentExecutor.Step> steps = DeploymentExecutor.Step.of(targets);

        assertThat(steps)
                .extracting(s -> s.stage() + "/" + s.wave() + ":" + s.targets().size())
                .containsExactly("0/0:2", "0/1:1", "1/0:1", "1/1:1");
        assertThat(steps.get(0).describe()).isEqualTo("wave 0 of stage 0 [db]");
    }

    @Test
    void aStepIsFinishedWhenEveryTargetIsHealthyFailedOrSkipped() {
        DeploymentTarget a = target("n1", "db", 0, 0);
        DeploymentTarget b = target("n2", "db", 0, 0);
        DeploymentExecutor.Step step = DeploymentExecutor.Step.of(List.of(a, b)).get(0);
        Instant now = Instant.now();

        a.markDesired(7, now);
        assertThat(step.finished()).isFalse();
        assertThat(step.inFlight()).isEqualTo(1);

        a.markHealthy(now, now);
        b.markSkipped("stopped", now);
        assertThat(step.finished()).isTrue();
        assertThat(step.inFlight()).isZero();
    }

    private static DeploymentTarget target(String node, String app, int stage, int wave) {
        return new DeploymentTarget(
                DEPLOYMENT,
                UUID.nameUUIDFromBytes(node.getBytes()),
                node,
                app,
                UUID.randomUUID(),
                null,
                stage,
                wave,
                Instant.now());
    }
}
