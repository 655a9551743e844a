package dev.tide.controlplane.deployment;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.UUID;

/** A release a deployment carries; {@code position} is its place in dependency order. */
@Entity
@Table(name = "deployment_release")
@IdClass(DeploymentRelease.Key.class)
public class DeploymentRelease {
    /** Composite key. */
    public record Key(UUID deploymentId, int position) implements Serializable {
        public Key() {
            this(null, 0);
        }
    }

    @Id
    @Column(name = "deployment_id")
    private UUID deploymentId;

    @Id
    private int position;

    @Column(nullable = false)
    private String application;

    @Column(name = "release_id", nullable = false)
    private UUID releaseId;

    /** Rolls after every stage below it is healthy; 0 has no dependency within the deployment. */
    @Column(nullable = false)
    private int stage;

    protected DeploymentRelease() {}

    DeploymentRelease(UUID deploymentId, int position, String application, UUID releaseId, int stage) {
        this.deploymentId = deploymentId;
        this.stage = stage;
        this.position = position;
        this.application = application;
        this.releaseId = releaseId;
    }

    public UUID getDeploymentId() {
        return deploymentId;
    }

    public int getPosition() {
        return position;
    }

    public String getApplication() {
        return application;
    }

    public UUID getReleaseId() {
        return releaseId;
    }

    public int getStage() {
        return stage;
    }
}
