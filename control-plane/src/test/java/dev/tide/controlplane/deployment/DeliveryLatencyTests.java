package dev.tide.controlplane.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.environment.DeliveryMode;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionSynchronizationUtils;

/** tide.delivery.latency without a database: what a target's move records, and when. */
class DeliveryLatencyTests {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final DeliveryLatency latency = new DeliveryLatency(meters);
    private final Instant desired = Instant.parse("2026-12-01T10:00:00Z");

    @AfterEach
    void endTransaction() {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.clearSynchronization();
        }
    }

    @Test
    void aTargetThatJumpsToHealthyRecordsEveryStageItPassedFromItsDesiredTime() {
        DeploymentTarget t = desiredTarget();
        t.markHealthy(desired.plusMillis(1500), desired.plusSeconds(2));

        latency.progressed(t, TargetState.DESIRED, DeliveryMode.PULL);

        for (String stage : new String[] {"delivered", "applied", "healthy"}) {
            assertThat(timer("pull", stage).count()).as(stage).isEqualTo(1);
            assertThat(timer("pull", stage).totalTime(TimeUnit.MILLISECONDS)).isEqualTo(1500);
        }
        assertThat(timer("push", "healthy").count()).isZero();
    }

    @Test
    void onlyTheStagesReachedSinceTheLastMoveAreRecordedAndAnAgentClockBehindCountsAsNoTime() {
        DeploymentTarget t = desiredTarget();
        t.markDelivered(desired.plusMillis(10), desired.plusMillis(20));
        t.markApplied(desired.minusSeconds(3), desired.plusMillis(30)); // the agent's clock is behind

        latency.progressed(t, TargetState.DELIVERED, null);

        assertThat(timer("unknown", "delivered").count()).isZero();
        assertThat(timer("unknown", "applied").count()).isEqualTo(1);
        assertThat(timer("unknown", "applied").totalTime(TimeUnit.MILLISECONDS)).isZero();
    }

    @Test
    void samplesWaitForTheCommitAndARolledBackTransactionRecordsNothing() {
        TransactionSynchronizationManager.initSynchronization();
        DeploymentTarget t = desiredTarget();
        t.markDelivered(desired.plusMillis(100), desired.plusMillis(100));
        latency.progressed(t, TargetState.DESIRED, DeliveryMode.PUSH);
        assertThat(timer("push", "delivered").count()).as("before the commit").isZero();

        TransactionSynchronizationUtils.invokeAfterCompletion(
                TransactionSynchronizationManager.getSynchronizations(), TransactionSynchronization.STATUS_ROLLED_BACK);
        assertThat(timer("push", "delivered").count()).isZero();
        TransactionSynchronizationManager.clearSynchronization();

        // The batch is retried and commits this time: recorded once.
        TransactionSynchronizationManager.initSynchronization();
        latency.progressed(t, TargetState.DESIRED, DeliveryMode.PUSH);
        TransactionSynchronizationUtils.invokeAfterCompletion(
                TransactionSynchronizationManager.getSynchronizations(), TransactionSynchronization.STATUS_COMMITTED);
        assertThat(timer("push", "delivered").count()).isEqualTo(1);
        assertThat(timer("push", "delivered").totalTime(TimeUnit.MILLISECONDS)).isEqualTo(100);
    }

    @Test
    void theHistogramHasBucketsAtTheServiceLevelObjectives() {
        Timer t = timer("pull", "healthy");
        assertThat(t.takeSnapshot().histogramCounts())
                .extracting(c -> Duration.ofNanos((long) c.bucket()))
                .contains(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(60));
    }

    private DeploymentTarget desiredTarget() {
        DeploymentTarget t = new DeploymentTarget(
                UUID.randomUUID(), UUID.randomUUID(), "n1", "web", UUID.randomUUID(), null, 0, 0, desired);
        t.markDesired(7, desired);
        return t;
    }

    private Timer timer(String mode, String stage) {
        return meters.get("tide.delivery.latency")
                .tag("mode", mode)
                .tag("stage", stage)
                .timer();
    }
}
