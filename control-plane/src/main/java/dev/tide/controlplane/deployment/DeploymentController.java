package dev.tide.controlplane.deployment;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/deployments}: create a rollout and follow it target by target. */
@RestController
@RequestMapping("/api/v1/deployments")
class DeploymentController {
    private final DeploymentService deployments;

    DeploymentController(DeploymentService deployments) {
        this.deployments = deployments;
    }

    record ReleaseView(int position, String application, UUID releaseId) {}

    record TargetView(
            String node,
            UUID nodeId,
            String application,
            UUID releaseId,
            UUID previousReleaseId,
            int wave,
            TargetState state,
            Long generation,
            Instant desiredAt,
            Instant deliveredAt,
            Instant appliedAt,
            Instant healthyAt,
            String error) {
        static TargetView of(DeploymentTarget t) {
            return new TargetView(
                    t.getNodeName(),
                    t.getNodeId(),
                    t.getApplication(),
                    t.getReleaseId(),
                    t.getPreviousReleaseId(),
                    t.getWave(),
                    t.getState(),
                    t.getGeneration(),
                    t.getDesiredAt(),
                    t.getDeliveredAt(),
                    t.getAppliedAt(),
                    t.getHealthyAt(),
                    t.getError());
        }
    }

    record WaveView(int wave, int targets, Map<TargetState, Integer> states) {}

    /** Latency over the targets that became healthy, from desired to healthy, in milliseconds. */
    record Summary(int targets, int healthy, int failed, Long medianConvergeMillis, Long maxConvergeMillis) {}

    record DeploymentView(
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
            List<ReleaseView> releases,
            Summary summary,
            List<WaveView> waves,
            List<TargetView> targets) {}

    record DeploymentListItem(
            UUID id,
            String environment,
            DeploymentState state,
            String createdBy,
            Instant createdAt,
            Instant finishedAt) {
        static DeploymentListItem of(Deployment d) {
            return new DeploymentListItem(
                    d.getId(), d.getEnvironment(), d.getState(), d.getCreatedBy(), d.getCreatedAt(), d.getFinishedAt());
        }
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    DeploymentView create(@RequestBody DeploymentRequest request) {
        return view(deployments.get(deployments.create(request).getId()));
    }

    @GetMapping
    List<DeploymentListItem> list(
            @RequestParam(required = false) String environment, @RequestParam(defaultValue = "100") int limit) {
        return deployments.list(environment, Math.max(1, Math.min(limit, 1000))).stream()
                .map(DeploymentListItem::of)
                .toList();
    }

    @GetMapping("/{id}")
    DeploymentView get(@PathVariable UUID id) {
        return view(deployments.get(id));
    }

    static DeploymentView view(DeploymentService.DeploymentDetail detail) {
        Deployment d = detail.deployment();
        List<TargetView> targets = detail.targets().stream().map(TargetView::of).toList();
        Map<Integer, Map<TargetState, Integer>> byWave = new java.util.TreeMap<>();
        for (DeploymentTarget t : detail.targets()) {
            byWave.computeIfAbsent(t.getWave(), w -> new EnumMap<>(TargetState.class))
                    .merge(t.getState(), 1, Integer::sum);
        }
        List<WaveView> waves = new ArrayList<>();
        byWave.forEach((w, states) -> waves.add(new WaveView(
                w, states.values().stream().mapToInt(Integer::intValue).sum(), states)));
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
                detail.releases().stream()
                        .map(r -> new ReleaseView(r.getPosition(), r.getApplication(), r.getReleaseId()))
                        .toList(),
                summary(detail.targets()),
                waves,
                targets);
    }

    private static Summary summary(List<DeploymentTarget> targets) {
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
                converge.isEmpty() ? null : converge.get(converge.size() / 2),
                converge.isEmpty() ? null : converge.get(converge.size() - 1));
    }
}
