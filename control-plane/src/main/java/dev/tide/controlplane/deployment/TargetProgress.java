package dev.tide.controlplane.deployment;

import dev.tide.controlplane.application.ReleaseRepository;
import dev.tide.controlplane.environment.DeliveryMode;
import dev.tide.controlplane.node.NodeService;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.event.EventListener;
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
    /** The states an agent's report can move. */
    static final Set<TargetState> WATCHED =
            EnumSet.of(TargetState.DESIRED, TargetState.DELIVERED, TargetState.APPLIED, TargetState.REVERTING);

    private static final String WATCHED_ARRAY = SqlArrays.names(WATCHED);

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
    private final DeploymentJournal journal;
    private final ApplicationEventPublisher events;
    private final DeliveryLatency latency;
    private final Clock clock;

    TargetProgress(
            DeploymentTargetRepository targets,
            ReleaseRepository releases,
            DeploymentJournal journal,
            ApplicationEventPublisher events,
            DeliveryLatency latency,
            Clock clock) {
        this.targets = targets;
        this.releases = releases;
        this.journal = journal;
        this.events = events;
        this.latency = latency;
        this.clock = clock;
    }

    /**
     * Locks the deployments whose targets on these nodes a report can move, before anything of
     * theirs is read. Status and rollout steps on one deployment then take turns: neither
     * overwrites the other's target changes, and journal entries commit in the order of their ids
     * (what the event stream's "after id" relies on). A status batch calls this first, for all its
     * nodes at once, so that the lock order is the same as the orchestrator's.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void lockDeploymentsOf(Collection<UUID> nodeIds) {
        targets.lockDeploymentsOn(SqlArrays.uuids(nodeIds), WATCHED_ARRAY);
    }

    /**
     * A node is being removed (in its transaction, before its row goes): nothing deployed or
     * rolled back to it will be reported any more. Its moving targets end now rather than at
     * their deadline (a rollback target as restored: nothing is left to restore; any other as
     * failed), and their deployments take their next step once the removal commits.
     */
    @EventListener
    @Transactional(propagation = Propagation.MANDATORY)
    void onNodeRemoved(NodeService.NodeRemoved event) {
        lockDeploymentsOf(List.of(event.id()));
        Instant now = clock.instant();
        Set<UUID> touched = new HashSet<>();
        for (DeploymentTarget t : targets.findAllByNodeIdAndStateIn(event.id(), WATCHED)) {
            if (t.getState() == TargetState.REVERTING) {
                t.markRolledBack(now, now);
                journal.target(t, now, "the node was removed; nothing to restore");
            } else {
                t.markFailed("the node was removed while it was being deployed to", now);
                journal.target(t, now, t.getError());
            }
            touched.add(t.getDeploymentId());
        }
        touched.forEach(id -> events.publishEvent(new DeploymentRequested(id)));
    }

    /**
     * One node's report, in domain terms; {@code mode} is how the agent says it receives its
     * desired state (null when it did not say), the mode its latencies are counted under.
     */
    public record NodeReport(
            UUID nodeId, long appliedGeneration, List<Observation> events, List<AppState> apps, DeliveryMode mode) {}

    /** Applies a node's report; returns the deployments in which a target finished. */
    @Transactional(propagation = Propagation.MANDATORY)
    public Set<UUID> apply(
            UUID nodeId, long appliedGeneration, List<Observation> events, List<AppState> apps, DeliveryMode mode) {
        lockDeploymentsOf(List.of(nodeId));
        return applyAll(List.of(new NodeReport(nodeId, appliedGeneration, events, apps, mode)));
    }

    /**
     * Applies a batch of reports, in their order, with a constant number of queries: the watched
     * targets of all the batch's nodes, and their releases' versions. The caller has taken {@link
     * #lockDeploymentsOf} for these nodes first (a status batch does, before it locks the nodes'
     * rows). Returns the deployments in which a target finished (healthy, failed, rolled back):
     * only those can let their rollout take a step.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public Set<UUID> applyAll(List<NodeReport> reports) {
        Set<UUID> nodeIds = new LinkedHashSet<>();
        reports.forEach(r -> nodeIds.add(r.nodeId()));
        if (nodeIds.isEmpty()) {
            return Set.of();
        }
        Map<UUID, List<DeploymentTarget>> watchedByNode = new HashMap<>();
        for (DeploymentTarget t : targets.findOnNodes(SqlArrays.uuids(nodeIds), WATCHED_ARRAY)) {
            watchedByNode
                    .computeIfAbsent(t.getNodeId(), id -> new ArrayList<>())
                    .add(t);
        }
        if (watchedByNode.isEmpty()) {
            return Set.of();
        }
        Map<UUID, String> versions = new HashMap<>();
        releases.findAllById(watchedByNode.values().stream()
                        .flatMap(List::stream)
                        .map(DeploymentTarget::getReleaseId)
                        .distinct()
                        .toList())
                .forEach(r -> versions.put(r.getId(), r.getVersion()));
        Set<UUID> touched = new HashSet<>();
        for (NodeReport report : reports) {
            List<DeploymentTarget> watched = watchedByNode.get(report.nodeId());
            if (watched != null) {
                apply(watched, report, versions, touched);
            }
        }
        return touched;
    }

    private void apply(
            List<DeploymentTarget> watched, NodeReport report, Map<UUID, String> versions, Set<UUID> touched) {
        long appliedGeneration = report.appliedGeneration();
        List<Observation> events = report.events();
        List<AppState> apps = report.apps();
        List<DeploymentTarget> reverting = watched.stream()
                .filter(t -> t.getState() == TargetState.REVERTING)
                .toList();
        if (!reverting.isEmpty()) {
            settleRollbacks(reverting, appliedGeneration, apps, touched);
        }
        List<DeploymentTarget> active =
                watched.stream().filter(t -> IN_FLIGHT.contains(t.getState())).toList();
        if (active.isEmpty()) {
            return;
        }
        Instant now = clock.instant();
        for (Observation e : events) {
            for (DeploymentTarget t : active) {
                if (t.getApplication().equals(e.application())
                        && e.version().equals(versions.get(t.getReleaseId()))
                        && t.getGeneration() != null
                        && e.generation() >= t.getGeneration()
                        && !t.getState().isTerminal()) {
                    TargetState was = t.getState();
                    switch (e.step()) {
                        case DELIVERED -> t.markDelivered(e.at(), now);
                        case APPLIED -> t.markApplied(e.at(), now);
                        case HEALTHY -> t.markHealthy(e.at(), now);
                        case FAILED -> t.markFailed(e.message(), now);
                    }
                    if (t.getState() != was) {
                        latency.progressed(t, was, report.mode());
                        journal.target(t, e.at(), t.getState() == TargetState.FAILED ? t.getError() : "");
                        if (t.getState().isTerminal()) {
                            touched.add(t.getDeploymentId()); // only a finished target can let the rollout move
                        }
                    }
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
                    TargetState was = t.getState();
                    t.markHealthy(now, now);
                    latency.progressed(t, was, report.mode());
                    journal.target(t, now, "");
                    touched.add(t.getDeploymentId());
                } else if (!t.getReleaseId().equals(app.releaseId()) || "FAILED".equals(app.state())) {
                    t.markFailed(app.message().isBlank() ? "the agent did not reach this release" : app.message(), now);
                    journal.target(t, now, t.getError());
                    touched.add(t.getDeploymentId());
                }
            }
        }
    }

    /**
     * A rollback target is done once the agent has applied the rollback generation and runs the
     * previous release healthy again (or no longer runs the application, when it was new).
     */
    private void settleRollbacks(
            List<DeploymentTarget> reverting, long appliedGeneration, List<AppState> apps, Set<UUID> touched) {
        Instant now = clock.instant();
        Map<String, AppState> byApp = new HashMap<>();
        apps.forEach(a -> byApp.put(a.application(), a));
        for (DeploymentTarget t : reverting) {
            if (appliedGeneration < t.getRollbackGeneration()) {
                continue;
            }
            AppState app = byApp.get(t.getApplication());
            if (t.getPreviousReleaseId() == null) {
                if (app == null
                        || !"HEALTHY".equals(app.state())
                        || !t.getReleaseId().equals(app.releaseId())) {
                    t.markRolledBack(now, now);
                    journal.target(t, now, "removed from the node");
                    touched.add(t.getDeploymentId());
                }
            } else if (app != null && t.getPreviousReleaseId().equals(app.releaseId())) {
                if ("HEALTHY".equals(app.state())) {
                    t.markRolledBack(now, now);
                    journal.target(t, now, "previous release healthy");
                    touched.add(t.getDeploymentId());
                } else if ("FAILED".equals(app.state())) {
                    t.markFailed("rollback failed: " + app.message(), now);
                    journal.target(t, now, t.getError());
                    touched.add(t.getDeploymentId());
                }
            }
        }
    }
}
