package dev.tide.controlplane.deployment;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A deployment as users see it (REST API and console): state, releases in dependency order, the
 * waves of each stage with their target states, every target with its timestamps, and a latency
 * summary. Built in one place so both show the same figures.
 */
public record DeploymentView(
        UUID id,
        String environment,
        DeploymentState state,
        String message,
        Strategy strategy,
        Map<String, String> selector,
        String createdBy,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt,
        Instant nextStepAt,
        List<ReleaseView> releases,
        Summary summary,
        List<WaveView> waves,
        List<TargetView> targets) {
    public record ReleaseView(int position, int stage, String application, UUID releaseId) {}

    public record TargetView(
            String node,
            UUID nodeId,
            String application,
            UUID releaseId,
            UUID previousReleaseId,
            int stage,
            int wave,
            TargetState state,
            Long generation,
            Instant desiredAt,
            Instant deliveredAt,
            Instant appliedAt,
            Instant healthyAt,
            Long rollbackGeneration,
            Instant rolledBackAt,
            String error) {
        public static TargetView of(DeploymentTarget t) {
            return new TargetView(
                    t.getNodeName(),
                    t.getNodeId(),
                    t.getApplication(),
                    t.getReleaseId(),
                    t.getPreviousReleaseId(),
                    t.getStage(),
                    t.getWave(),
                    t.getState(),
                    t.getGeneration(),
                    t.getDesiredAt(),
                    t.getDeliveredAt(),
                    t.getAppliedAt(),
                    t.getHealthyAt(),
                    t.getRollbackGeneration(),
                    t.getRolledBackAt(),
                    t.getError());
        }
    }

    /** One step of the rollout: a wave of the nodes for one dependency stage. */
    public record WaveView(
            int stage,
            int wave,
            List<String> applications,
            List<String> nodes,
            int targets,
            Map<TargetState, Integer> states) {}

    /** Latency over the targets that became healthy, from desired to healthy, in milliseconds. */
    public record Summary(int targets, int healthy, int failed, Long medianConvergeMillis, Long maxConvergeMillis) {}

    public record ListItem(
            UUID id,
            String environment,
            DeploymentState state,
            String createdBy,
            Instant createdAt,
            Instant finishedAt) {
        public static ListItem of(Deployment d) {
            return new ListItem(
                    d.getId(), d.getEnvironment(), d.getState(), d.getCreatedBy(), d.getCreatedAt(), d.getFinishedAt());
        }
    }

    public static DeploymentView of(DeploymentService.DeploymentDetail detail) {
        Deployment d = detail.deployment();
        List<TargetView> targets = detail.targets().stream().map(TargetView::of).toList();
        List<WaveView> waves = new ArrayList<>();
        for (DeploymentExecutor.Step step : DeploymentExecutor.Step.of(detail.targets())) {
            Map<TargetState, Integer> states = new EnumMap<>(TargetState.class);
            step.targets().forEach(t -> states.merge(t.getState(), 1, Integer::sum));
            waves.add(new WaveView(
                    step.stage(),
                    step.wave(),
                    step.targets().stream()
                            .map(DeploymentTarget::getApplication)
                            .distinct()
                            .sorted()
                            .toList(),
                    step.targets().stream()
                            .map(DeploymentTarget::getNodeName)
                            .distinct()
                            .toList(),
                    step.targets().size(),
                    states));
        }
        return new DeploymentView(
                d.getId(),
                d.getEnvironment(),
                d.getState(),
                d.getMessage(),
                d.getStrategy(),
                d.getSelector(),
                d.getCreatedBy(),
                d.getCreatedAt(),
                d.getStartedAt(),
                d.getFinishedAt(),
                d.getNextStepAt(),
                detail.releases().stream()
                        .map(r -> new ReleaseView(r.getPosition(), r.getStage(), r.getApplication(), r.getReleaseId()))
                        .toList(),
                summary(detail.targets()),
                waves,
                targets);
    }

    public static Summary summary(List<DeploymentTarget> targets) {
        List<Long> converge = targets.stream()
                .filter(t -> t.getDesiredAt() != null && t.getHealthyAt() != null)
                .map(t -> Duration.between(t.getDesiredAt(), t.getHealthyAt()).toMillis())
                .sorted()
                .toList();
        int failed = (int)
                targets.stream().filter(t -> t.getState() == TargetState.FAILED).count();
        int healthy = (int) targets.stream()
                .filter(t -> t.getState() == TargetState.HEALTHY)
                .count();
        return new Summary(
                targets.size(),
                healthy,
                failed,
                Percentile.of(converge, 50),
                converge.isEmpty() ? null : converge.get(converge.size() - 1));
    }
}
