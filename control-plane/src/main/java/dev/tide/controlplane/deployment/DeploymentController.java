package dev.tide.controlplane.deployment;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/** {@code /api/v1/deployments}: create a rollout and follow it target by target. */
@RestController
@RequestMapping("/api/v1/deployments")
class DeploymentController {
    private final DeploymentService deployments;
    private final DeploymentEventStream stream;

    DeploymentController(DeploymentService deployments, DeploymentEventStream stream) {
        this.deployments = deployments;
        this.stream = stream;
    }

    record ReleaseView(int position, int stage, String application, UUID releaseId) {}

    record TargetView(
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
        static TargetView of(DeploymentTarget t) {
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
    record WaveView(
            int stage,
            int wave,
            List<String> applications,
            List<String> nodes,
            int targets,
            Map<TargetState, Integer> states) {}

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
            Instant nextStepAt,
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

    @PostMapping("/{id}/pause")
    DeploymentView pause(@PathVariable UUID id) {
        deployments.pause(id);
        return view(deployments.get(id));
    }

    @PostMapping("/{id}/resume")
    DeploymentView resume(@PathVariable UUID id) {
        deployments.resume(id);
        return view(deployments.get(id));
    }

    @PostMapping("/{id}/cancel")
    DeploymentView cancel(@PathVariable UUID id) {
        deployments.cancel(id);
        return view(deployments.get(id));
    }

    @PostMapping("/{id}/rollback")
    DeploymentView rollback(@PathVariable UUID id) {
        deployments.rollback(id);
        return view(deployments.get(id));
    }

    /** The journal as JSON: {@code ?after=<id>} pages on. The default for any Accept but SSE. */
    @GetMapping(path = "/{id}/events")
    List<DeploymentJournal.Entry> events(
            @PathVariable UUID id,
            @RequestParam(defaultValue = "0") long after,
            @RequestParam(defaultValue = "1000") int limit) {
        return deployments.events(id, after, Math.max(1, Math.min(limit, 10_000)));
    }

    /** The journal as server-sent events, live until the deployment finishes. */
    @GetMapping(path = "/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter stream(
            @PathVariable UUID id,
            @RequestHeader(name = "Last-Event-ID", required = false) Long lastEventId,
            @RequestParam(required = false) Long after) {
        deployments.get(id); // 404 before the stream opens
        return stream.subscribe(id, lastEventId != null ? lastEventId : after == null ? 0 : after);
    }

    static DeploymentView view(DeploymentService.DeploymentDetail detail) {
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
