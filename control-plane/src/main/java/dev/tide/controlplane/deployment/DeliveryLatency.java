package dev.tide.controlplane.deployment;

import dev.tide.controlplane.environment.DeliveryMode;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * {@code tide.delivery.latency}: how long a target took from desired to delivered, applied and
 * healthy, by the delivery mode of the agent that reported it. The same timestamps the API and
 * the console show per deployment, as a fleet-wide histogram across deployments.
 *
 * <p>On the status path: the timers are built once (modes x stages), a report that moves no
 * target costs nothing, and samples wait for their transaction to commit, so a status batch that
 * rolls back and is retried in halves records each stage once.
 */
@Component
class DeliveryLatency {
    /** The stages measured, in the order a target reaches them. */
    private static final TargetState[] STAGES = {TargetState.DELIVERED, TargetState.APPLIED, TargetState.HEALTHY};

    /** [mode ordinal, or the last row for an agent that did not say][stage]. */
    private final Timer[][] timers = new Timer[DeliveryMode.values().length + 1][STAGES.length];

    DeliveryLatency(MeterRegistry meters) {
        for (int m = 0; m < timers.length; m++) {
            String mode = m < DeliveryMode.values().length
                    ? DeliveryMode.values()[m].name().toLowerCase(Locale.ROOT)
                    : "unknown";
            for (int s = 0; s < STAGES.length; s++) {
                timers[m][s] = Timer.builder("tide.delivery.latency")
                        .description("Time from a target's desired state to the stage it reached")
                        .tag("mode", mode)
                        .tag("stage", STAGES[s].name().toLowerCase(Locale.ROOT))
                        .publishPercentileHistogram()
                        .minimumExpectedValue(Duration.ofMillis(1))
                        .maximumExpectedValue(Duration.ofMinutes(10))
                        // Bucket edges where an operator draws lines: instant, interactive, a poll.
                        .serviceLevelObjectives(Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(60))
                        .register(meters);
            }
        }
    }

    /**
     * {@code target} moved on from {@code was} in this transaction: records each stage it reached
     * since, measured from its desired time, once the transaction commits.
     */
    void progressed(DeploymentTarget target, TargetState was, DeliveryMode mode) {
        Instant desired = target.getDesiredAt();
        if (desired == null) {
            return;
        }
        Timer[] byStage = timers[mode == null ? DeliveryMode.values().length : mode.ordinal()];
        Instant[] reached = {target.getDeliveredAt(), target.getAppliedAt(), target.getHealthyAt()};
        for (int s = 0; s < STAGES.length; s++) {
            if (was.ordinal() < STAGES[s].ordinal() && reached[s] != null) {
                // The agent's clock may run behind ours: a stage never took less than nothing.
                Duration took = Duration.between(desired, reached[s]);
                record(new Sample(byStage[s], took.isNegative() ? Duration.ZERO : took));
            }
        }
    }

    private record Sample(Timer timer, Duration took) {
        void record() {
            timer.record(took);
        }
    }

    /** Records with this transaction's other samples once it commits (at once outside one). */
    private void record(Sample sample) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            sample.record();
            return;
        }
        @SuppressWarnings("unchecked")
        List<Sample> pending = (List<Sample>) TransactionSynchronizationManager.getResource(this);
        if (pending == null) {
            List<Sample> batch = new ArrayList<>();
            TransactionSynchronizationManager.bindResource(this, batch);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    TransactionSynchronizationManager.unbindResourceIfPossible(DeliveryLatency.this);
                    if (status == STATUS_COMMITTED) {
                        batch.forEach(Sample::record);
                    }
                }
            });
            pending = batch;
        }
        pending.add(sample);
    }
}
