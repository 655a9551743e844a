package dev.tide.controlplane.node;

import dev.tide.controlplane.application.Release;
import dev.tide.controlplane.environment.DeliveryMode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/nodes}: nodes with desired vs actual per application. */
@RestController
@RequestMapping("/api/v1/nodes")
class NodeController {
    private final NodeService nodes;

    NodeController(NodeService nodes) {
        this.nodes = nodes;
    }

    record ReleaseRef(UUID releaseId, String version) {}

    record ActualView(
            UUID releaseId, String version, String state, String message, long appliedGeneration, Instant reportedAt) {}

    record ApplicationStateView(String application, ReleaseRef desired, ActualView actual, boolean converged) {}

    record NodeView(
            UUID id,
            String name,
            String environment,
            Map<String, String> labels,
            String pushEndpoint,
            DeliveryMode ackedMode,
            String agentVersion,
            long generation,
            long appliedGeneration,
            boolean converged,
            Instant enrolledAt,
            Instant lastSeenAt,
            List<ApplicationStateView> applications) {}

    @GetMapping
    List<NodeView> list(@RequestParam(required = false) String environment) {
        return nodes.list(environment).stream().map(NodeController::view).toList();
    }

    @GetMapping("/{id}")
    NodeView get(@PathVariable UUID id) {
        return view(nodes.get(id));
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(@PathVariable UUID id) {
        nodes.delete(id);
    }

    static NodeView view(NodeService.NodeDetail d) {
        Map<String, ApplicationStateView> apps = new TreeMap<>();
        Map<String, NodeActual> actualByApp = new TreeMap<>();
        d.actual().forEach(a -> actualByApp.put(a.getApplication(), a));
        for (NodeDesired desired : d.desired()) {
            Release r = d.releases().get(desired.getReleaseId());
            NodeActual a = actualByApp.remove(desired.getApplication());
            ReleaseRef ref = new ReleaseRef(desired.getReleaseId(), r == null ? null : r.getVersion());
            boolean converged =
                    a != null && desired.getReleaseId().equals(a.getReleaseId()) && "HEALTHY".equals(a.getState());
            apps.put(
                    desired.getApplication(),
                    new ApplicationStateView(desired.getApplication(), ref, actual(a), converged));
        }
        actualByApp.forEach((app, a) -> apps.put(app, new ApplicationStateView(app, null, actual(a), false)));
        Node n = d.node();
        boolean converged = n.getAppliedGeneration() >= n.getGeneration()
                && apps.values().stream()
                        .allMatch(a -> a.desired() == null
                                ? "STOPPED".equals(a.actual().state())
                                : a.converged());
        return new NodeView(
                n.getId(),
                n.getName(),
                n.getEnvironment(),
                n.getLabels(),
                n.getPushEndpoint(),
                n.getAckedMode(),
                n.getAgentVersion(),
                n.getGeneration(),
                n.getAppliedGeneration(),
                converged,
                n.getEnrolledAt(),
                n.getLastSeenAt(),
                List.copyOf(apps.values()));
    }

    private static ActualView actual(NodeActual a) {
        return a == null
                ? null
                : new ActualView(
                        a.getReleaseId(),
                        a.getReleaseVersion(),
                        a.getState(),
                        a.getMessage(),
                        a.getAppliedGeneration(),
                        a.getReportedAt());
    }
}
