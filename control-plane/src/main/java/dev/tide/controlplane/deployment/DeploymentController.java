package dev.tide.controlplane.deployment;

import dev.tide.controlplane.system.PageResponse;
import java.util.List;
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

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    DeploymentView create(@RequestBody DeploymentRequest request) {
        return view(deployments.get(deployments.create(request).getId()));
    }

    @GetMapping
    List<DeploymentView.ListItem> list(
            @RequestParam(required = false) String environment, @RequestParam(defaultValue = "100") int limit) {
        return deployments.list(environment, Math.max(1, Math.min(limit, 1000))).stream()
                .map(DeploymentView.ListItem::of)
                .toList();
    }

    @GetMapping("/{id}")
    DeploymentView get(@PathVariable UUID id) {
        return view(deployments.get(id));
    }

    /**
     * The deployment's targets a page at a time (plan order), optionally only one state: at
     * 10,000 nodes the deployment itself is megabytes; {@code ?state=FAILED} is the few that matter.
     */
    @GetMapping("/{id}/targets")
    PageResponse<DeploymentView.TargetView> targets(
            @PathVariable UUID id,
            @RequestParam(required = false) TargetState state,
            @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "500") int size) {
        return PageResponse.of(deployments.targets(id, state, page, size).map(DeploymentView.TargetView::of));
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
        deployments.requireExisting(id); // 404 before the stream opens
        return stream.subscribe(id, lastEventId != null ? lastEventId : after == null ? 0 : after);
    }

    private static DeploymentView view(DeploymentService.DeploymentDetail detail) {
        return DeploymentView.of(detail);
    }
}
