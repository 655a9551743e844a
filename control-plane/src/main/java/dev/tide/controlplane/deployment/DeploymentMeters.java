package dev.tide.controlplane.deployment;

import dev.tide.controlplane.system.AfterCommit;
import dev.tide.controlplane.system.CachedCounts;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Deployments as metrics: {@code tide.deployments} (a gauge per state), {@code
 * tide.deployments.finished} (by outcome) and {@code tide.deployments.rollbacks} (by trigger).
 * The gauges share one grouped count, at most every {@link #MAX_AGE}, however often they are
 * scraped; the counters move when the transaction that changed the deployment commits.
 */
@Component
class DeploymentMeters {
    /** How stale the per-state counts may be: a few seconds is nothing next to a scrape interval. */
    static final Duration MAX_AGE = Duration.ofSeconds(5);

    private final Map<DeploymentState, Counter> finished = new EnumMap<>(DeploymentState.class);
    private final Counter automaticRollbacks;
    private final Counter manualRollbacks;

    DeploymentMeters(DeploymentRepository deployments, MeterRegistry meters, Clock clock) {
        new CachedCounts<>(() -> countByState(deployments), clock, MAX_AGE)
                .register(
                        meters,
                        "tide.deployments",
                        "Deployments in each state",
                        EnumSet.allOf(DeploymentState.class),
                        state -> Tags.of("state", lower(state)));
        for (DeploymentState state : DeploymentState.values()) {
            if (state.isFinished()) {
                finished.put(
                        state,
                        Counter.builder("tide.deployments.finished")
                                .description("Deployments that ended, by how they ended")
                                .tag("outcome", lower(state))
                                .register(meters));
            }
        }
        automaticRollbacks = rollbacks(meters, "automatic");
        manualRollbacks = rollbacks(meters, "manual");
    }

    /**
     * A deployment moved to {@code next}, by the orchestrator ({@code automatic}) or an operator;
     * counted once the transaction commits.
     */
    void transitioned(DeploymentState next, boolean automatic) {
        Counter counter = next == DeploymentState.ROLLING_BACK
                ? (automatic ? automaticRollbacks : manualRollbacks)
                : finished.get(next);
        if (counter != null) {
            AfterCommit.run(counter::increment);
        }
    }

    private static Map<DeploymentState, Long> countByState(DeploymentRepository deployments) {
        Map<DeploymentState, Long> counts = new EnumMap<>(DeploymentState.class);
        deployments.countByState().forEach(c -> counts.put(c.state(), c.count()));
        return counts;
    }

    private static Counter rollbacks(MeterRegistry meters, String trigger) {
        return Counter.builder("tide.deployments.rollbacks")
                .description("Rollbacks started: by the failure threshold (automatic) or by an operator (manual)")
                .tag("trigger", trigger)
                .register(meters);
    }

    private static String lower(DeploymentState state) {
        return state.name().toLowerCase(Locale.ROOT);
    }
}
