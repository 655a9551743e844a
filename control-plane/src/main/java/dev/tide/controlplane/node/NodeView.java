package dev.tide.controlplane.node;

import dev.tide.controlplane.application.Release;
import dev.tide.controlplane.environment.DeliveryMode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A node as users see it (REST API and console): per application the desired and the reported
 * release, and whether the node has converged. The one place that decides "converged".
 */
public record NodeView(
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
        List<ApplicationStateView> applications) {

    /** A release by id and version. */
    public record ReleaseRef(UUID releaseId, String version) {}

    /**
     * What the agent last reported for one application: the release it shows (the one being
     * applied, or whose apply failed, when there is one), the release that runs, and the last
     * event about the running application (RESTARTED, APP_STOPPED, DRIFTED; null if none came).
     */
    public record ActualView(
            UUID releaseId,
            String version,
            String state,
            String message,
            long appliedGeneration,
            Instant reportedAt,
            ReleaseRef running,
            EventView lastEvent) {}

    /** One event an agent reported about a running application. */
    public record EventView(String type, Instant at, String message) {}

    /** One application on the node: desired (null when it should not run) and actual (null before any report). */
    public record ApplicationStateView(String application, ReleaseRef desired, ActualView actual, boolean converged) {}

    /** Builds the view; an application converged when it runs the desired release and is healthy. */
    public static NodeView of(NodeService.NodeDetail d) {
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
                        a.getReportedAt(),
                        a.getRunningVersion() == null
                                ? null
                                : new ReleaseRef(a.getRunningReleaseId(), a.getRunningVersion()),
                        a.getLastEvent() == null
                                ? null
                                : new EventView(a.getLastEvent(), a.getLastEventAt(), a.getLastEventMessage()));
    }
}
