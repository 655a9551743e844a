package dev.tide.controlplane.deployment;

import dev.tide.controlplane.application.ReleaseRepository;
import java.time.Clock;
import java.time.Instant;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Moves deployment targets along as agents report: delivered, applied, healthy or failed, with
 * the agent's timestamps. Called inside the status batch's transaction.
 */
@Component
public class TargetProgress {
    static final Set<TargetState> IN_FLIGHT =
            EnumSet.of(TargetState.DESIRED, TargetState.DELIVERED, TargetState.APPLIED);

    /** What an agent said about one application, in domain terms. */
    public enum Step {
        DELIVERED,
        APPLIED,
        HEALTHY,
        FAILED
    }

    /** One event from an agent. */
    public record Observation(
            String application, String version, long generation, Step step, Instant at, String message) {}

    /** The full state an agent reported for one application. */
    public record AppState(String application, UUID releaseId, String state, String message) {}

    private final DeploymentTargetRepository targets;
    private final ReleaseRepository releases;
    private final Clock clock;

    TargetProgress(DeploymentTargetRepository targets, ReleaseRepository releases, Clock clock) {
        this.targets = targets;
        this.releases = releases;
        this.clock = clock;
    }

    /** Applies a node's report; returns the deployments whose targets moved. */
    @Transactional(propagation = Propagation.MANDATORY)
    public Set<UUID> apply(UUID nodeId, long appliedGeneration, List<Observation> events, List<AppState> apps) {
        List<DeploymentTarget> active = targets.findAllByNodeIdAndStateIn(nodeId, IN_FLIGHT);
        if (active.isEmpty()) {
            return Set.of();
        }
        Instant now = clock.instant();
        Map<UUID, String> versions = new HashMap<>();
        releases.findAllById(active.stream()
                        .map(DeploymentTarget::getReleaseId)
                        .distinct()
                        .toList())
                .forEach(r -> versions.put(r.getId(), r.getVersion()));
        Set<UUID> touched = new HashSet<>();
        for (Observation e : events) {
            for (DeploymentTarget t : active) {
                if (t.getApplication().equals(e.application())
                        && e.version().equals(versions.get(t.getReleaseId()))
                        && t.getGeneration() != null
                        && e.generation() >= t.getGeneration()
                        && !t.getState().isTerminal()) {
                    switch (e.step()) {
                        case DELIVERED -> t.markDelivered(e.at(), now);
                        case APPLIED -> t.markApplied(e.at(), now);
                        case HEALTHY -> t.markHealthy(e.at(), now);
                        case FAILED -> t.markFailed(e.message(), now);
                    }
                    touched.add(t.getDeploymentId());
                }
            }
        }
        // The full state settles targets whose events were lost (e.g. a report during a restart).
        for (AppState app : apps) {
            for (DeploymentTarget t : active) {
                if (!t.getApplication().equals(app.application())
                        || t.getState().isTerminal()
                        || t.getGeneration() == null
                        || appliedGeneration < t.getGeneration()) {
                    continue;
                }
                if (t.getReleaseId().equals(app.releaseId()) && "HEALTHY".equals(app.state())) {
                    t.markHealthy(now, now);
                    touched.add(t.getDeploymentId());
                } else if (!t.getReleaseId().equals(app.releaseId()) || "FAILED".equals(app.state())) {
                    t.markFailed(app.message().isBlank() ? "the agent did not reach this release" : app.message(), now);
                    touched.add(t.getDeploymentId());
                }
            }
        }
        return touched;
    }
}
