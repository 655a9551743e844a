package dev.tide.controlplane.deployment;

import dev.tide.controlplane.audit.AuditService;
import dev.tide.controlplane.node.DesiredStateWriter;
import dev.tide.controlplane.node.NodeRepository;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Drives deployments from the state in PostgreSQL: releases targets into nodes' desired state,
 * times out targets that do not become healthy, and finishes deployments. Every step is
 * idempotent and re-derived from the database, so a restarted control plane resumes where it
 * was. The same steps serve push and pull: only how desired state travels differs.
 */
@Component
public class DeploymentExecutor {
    private static final Logger log = LoggerFactory.getLogger(DeploymentExecutor.class);

    private final DeploymentRepository deployments;
    private final DeploymentTargetRepository targets;
    private final DesiredStateWriter writer;
    private final NodeRepository nodes;
    private final AuditService audit;
    private final TransactionTemplate tx;
    private final Clock clock;
    private final ExecutorService rollout = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "tide-rollout");
        t.setDaemon(true);
        return t;
    });

    DeploymentExecutor(
            DeploymentRepository deployments,
            DeploymentTargetRepository targets,
            DesiredStateWriter writer,
            NodeRepository nodes,
            AuditService audit,
            TransactionTemplate tx,
            Clock clock) {
        this.deployments = deployments;
        this.targets = targets;
        this.writer = writer;
        this.nodes = nodes;
        this.audit = audit;
        this.tx = tx;
        this.clock = clock;
    }

    @TransactionalEventListener
    void onCreated(DeploymentCreated event) {
        rollout.execute(() -> start(event.deploymentId()));
    }

    /** Re-checks these deployments after their targets moved (called by the status batch). */
    public void refresh(Collection<UUID> deploymentIds) {
        List<UUID> ids = List.copyOf(deploymentIds);
        rollout.execute(() -> ids.forEach(this::settle));
    }

    /** Resumes what a restart interrupted, times out stuck targets, finishes what is done. */
    @Scheduled(fixedDelayString = "${tide.deployments.tick:2s}", initialDelayString = "${tide.deployments.tick:2s}")
    void tick() {
        rollout.execute(() -> {
            for (Deployment d :
                    deployments.findAllByStateIn(EnumSet.of(DeploymentState.PENDING, DeploymentState.RUNNING))) {
                try {
                    if (d.getState() == DeploymentState.PENDING) {
                        start(d.getId());
                    } else {
                        timeOut(d.getId());
                        settle(d.getId());
                    }
                } catch (RuntimeException e) {
                    log.warn("Deployment {}: step failed, retrying on the next tick: {}", d.getId(), e.getMessage());
                }
            }
        });
    }

    /** Puts every pending target into its node's desired state: one new generation per node. */
    void start(UUID deploymentId) {
        tx.executeWithoutResult(status -> {
            Deployment d = deployments.findById(deploymentId).orElse(null);
            if (d == null || d.getState() != DeploymentState.PENDING) {
                return;
            }
            Instant now = clock.instant();
            d.transition(DeploymentState.RUNNING, "rolling out", now);
            Map<UUID, List<DeploymentTarget>> byNode =
                    targets.findAllByDeploymentIdOrderByWaveAscNodeNameAscApplicationAsc(deploymentId).stream()
                            .filter(t -> t.getState() == TargetState.PENDING)
                            .collect(Collectors.groupingBy(
                                    DeploymentTarget::getNodeId, LinkedHashMap::new, Collectors.toList()));
            byNode.forEach((nodeId, nodeTargets) -> {
                if (!nodes.existsById(nodeId)) {
                    nodeTargets.forEach(t -> t.markFailed("the node was removed before it was deployed to", now));
                    return;
                }
                Map<String, UUID> releases = new LinkedHashMap<>();
                nodeTargets.forEach(t -> releases.put(t.getApplication(), t.getReleaseId()));
                long generation = writer.assign(nodeId, releases, deploymentId);
                nodeTargets.forEach(t -> t.markDesired(generation, now));
            });
            log.info("Deployment {}: {} node(s) given their new desired state", deploymentId, byNode.size());
        });
    }

    private void timeOut(UUID deploymentId) {
        tx.executeWithoutResult(status -> {
            Deployment d = deployments.findById(deploymentId).orElse(null);
            if (d == null || d.getState() != DeploymentState.RUNNING) {
                return;
            }
            Instant now = clock.instant();
            Duration limit = Duration.ofSeconds(d.getStrategy().targetTimeoutSeconds());
            for (DeploymentTarget t :
                    targets.findAllByDeploymentIdOrderByWaveAscNodeNameAscApplicationAsc(deploymentId)) {
                if (TargetProgress.IN_FLIGHT.contains(t.getState())
                        && t.getDesiredAt() != null
                        && now.isAfter(t.getDesiredAt().plus(limit))) {
                    t.markFailed(
                            "not healthy within " + limit.toSeconds() + "s (last state " + t.getState() + ")", now);
                }
            }
        });
    }

    private void settle(UUID deploymentId) {
        tx.executeWithoutResult(status -> {
            Deployment d = deployments.findById(deploymentId).orElse(null);
            if (d == null || d.getState() != DeploymentState.RUNNING) {
                return;
            }
            List<DeploymentTarget> all =
                    targets.findAllByDeploymentIdOrderByWaveAscNodeNameAscApplicationAsc(deploymentId);
            if (!all.stream().allMatch(t -> t.getState().isTerminal())) {
                return;
            }
            long failed =
                    all.stream().filter(t -> t.getState() == TargetState.FAILED).count();
            DeploymentState end = failed == 0 ? DeploymentState.SUCCEEDED : DeploymentState.FAILED;
            String message = failed == 0
                    ? "all " + all.size() + " target(s) healthy"
                    : failed + " of " + all.size() + " target(s) failed";
            d.transition(end, message, clock.instant());
            audit.recordAs(
                    "system",
                    "deployment.finish",
                    "deployment/" + deploymentId,
                    Map.of("state", end.name(), "message", message));
            log.info("Deployment {} {}: {}", deploymentId, end, message);
        });
    }
}
