package dev.tide.controlplane.deployment;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * One node x application of a deployment, with the timestamps every latency figure is computed
 * from: desired (the control plane decided), delivered (the agent had it), applied (started),
 * healthy (its check passed).
 */
@Entity
@Table(name = "deployment_target")
public class DeploymentTarget {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    private Long id;

    @Column(name = "deployment_id", nullable = false)
    private UUID deploymentId;

    @Column(name = "node_id", nullable = false)
    private UUID nodeId;

    @Column(name = "node_name", nullable = false)
    private String nodeName;

    @Column(nullable = false)
    private String application;

    @Column(name = "release_id", nullable = false)
    private UUID releaseId;

    @Column(name = "previous_release_id")
    private UUID previousReleaseId;

    @Column(nullable = false)
    private int stage;

    @Column(nullable = false)
    private int wave;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    private TargetState state;

    @Column
    private Long generation;

    @Column(name = "desired_at")
    private Instant desiredAt;

    @Column(name = "delivered_at")
    private Instant deliveredAt;

    @Column(name = "applied_at")
    private Instant appliedAt;

    @Column(name = "healthy_at")
    private Instant healthyAt;

    @Column
    private String error;

    @Column(name = "rollback_generation")
    private Long rollbackGeneration;

    @Column(name = "rolled_back_at")
    private Instant rolledBackAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    protected DeploymentTarget() {}

    DeploymentTarget(
            UUID deploymentId,
            UUID nodeId,
            String nodeName,
            String application,
            UUID releaseId,
            UUID previousReleaseId,
            int stage,
            int wave,
            Instant now) {
        this.deploymentId = deploymentId;
        this.nodeId = nodeId;
        this.nodeName = nodeName;
        this.application = application;
        this.releaseId = releaseId;
        this.previousReleaseId = previousReleaseId;
        this.stage = stage;
        this.wave = wave;
        this.state = TargetState.PENDING;
        this.updatedAt = now;
    }

    /** The node's desired state now holds this target's release at {@code generation}. */
    public void markDesired(long generation, Instant now) {
        this.generation = generation;
        this.desiredAt = now;
        this.state = TargetState.DESIRED;
        this.updatedAt = now;
    }

    public void markDelivered(Instant at, Instant now) {
        if (deliveredAt == null) {
            deliveredAt = at;
        }
        advance(TargetState.DELIVERED, now);
    }

    public void markApplied(Instant at, Instant now) {
        if (deliveredAt == null) {
            deliveredAt = at;
        }
        if (appliedAt == null) {
            appliedAt = at;
        }
        advance(TargetState.APPLIED, now);
    }

    public void markHealthy(Instant at, Instant now) {
        markApplied(at, now);
        if (healthyAt == null) {
            healthyAt = at;
        }
        advance(TargetState.HEALTHY, now);
    }

    public void markFailed(String error, Instant now) {
        this.error = error == null ? "failed" : (error.length() <= 2000 ? error : error.substring(0, 2000));
        this.state = TargetState.FAILED;
        this.updatedAt = now;
    }

    /** Never released: the deployment stopped before this target's turn. */
    public void markSkipped(String reason, Instant now) {
        this.error = reason;
        this.state = TargetState.SKIPPED;
        this.updatedAt = now;
    }

    /** The node's desired state holds the previous release again, at {@code generation}. */
    public void markReverting(long generation, Instant now) {
        this.rollbackGeneration = generation;
        this.state = TargetState.REVERTING;
        this.updatedAt = now;
    }

    /** The previous release runs healthy again (or the application was removed). */
    public void markRolledBack(Instant at, Instant now) {
        this.rolledBackAt = at;
        this.state = TargetState.ROLLED_BACK;
        this.updatedAt = now;
    }

    /** Whether the node's desired state was ever changed by this target. */
    /** Forgets a rollback that did not complete, so that the next rollback restores this target again. */
    public void retryRollback() {
        this.rollbackGeneration = null;
    }

    public boolean wasReleased() {
        return generation != null;
    }

    private void advance(TargetState next, Instant now) {
        if (!state.isTerminal() && next.ordinal() > state.ordinal()) {
            state = next;
        }
        updatedAt = now;
    }

    public Long getId() {
        return id;
    }

    public UUID getDeploymentId() {
        return deploymentId;
    }

    public UUID getNodeId() {
        return nodeId;
    }

    public String getNodeName() {
        return nodeName;
    }

    public String getApplication() {
        return application;
    }

    public UUID getReleaseId() {
        return releaseId;
    }

    public UUID getPreviousReleaseId() {
        return previousReleaseId;
    }

    public int getStage() {
        return stage;
    }

    public int getWave() {
        return wave;
    }

    public TargetState getState() {
        return state;
    }

    public Long getGeneration() {
        return generation;
    }

    public Instant getDesiredAt() {
        return desiredAt;
    }

    public Instant getDeliveredAt() {
        return deliveredAt;
    }

    public Instant getAppliedAt() {
        return appliedAt;
    }

    public Instant getHealthyAt() {
        return healthyAt;
    }

    public String getError() {
        return error;
    }

    public Long getRollbackGeneration() {
        return rollbackGeneration;
    }

    public Instant getRolledBackAt() {
        return rolledBackAt;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }
}
