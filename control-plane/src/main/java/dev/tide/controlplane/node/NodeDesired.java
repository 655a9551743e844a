package dev.tide.controlplane.node;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.UUID;

/** The release one application should run at on one node. */
@Entity
@Table(name = "node_desired")
@IdClass(NodeDesired.Key.class)
public class NodeDesired {
    /** Composite key: node and application. */
    public record Key(UUID node, String application) implements Serializable {
        public Key() {
            this(null, null);
        }
    }

    @Id
    private UUID node;

    @Id
    private String application;

    @Column(name = "release_id", nullable = false)
    private UUID releaseId;

    @Column(nullable = false)
    private long generation;

    @Column(name = "deployment_id")
    private UUID deploymentId;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    protected NodeDesired() {}

    public NodeDesired(UUID node, String application, UUID releaseId, long generation, UUID deploymentId, Instant now) {
        this.node = node;
        this.application = application;
        set(releaseId, generation, deploymentId, now);
    }

    public void set(UUID releaseId, long generation, UUID deploymentId, Instant now) {
        this.releaseId = releaseId;
        this.generation = generation;
        this.deploymentId = deploymentId;
        this.updatedAt = now;
    }

    public UUID getNode() {
        return node;
    }

    public String getApplication() {
        return application;
    }

    public UUID getReleaseId() {
        return releaseId;
    }

    public long getGeneration() {
        return generation;
    }

    public UUID getDeploymentId() {
        return deploymentId;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }
}
