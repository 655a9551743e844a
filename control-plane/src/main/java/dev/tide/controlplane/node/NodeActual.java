package dev.tide.controlplane.node;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * What one application runs on one node, as its agent last reported. Read here; written by the
 * status batches in one upsert ({@code delivery.StatusRows}).
 */
@Entity
@Table(name = "node_actual")
@IdClass(NodeDesired.Key.class)
public class NodeActual {
    @Id
    private UUID node;

    @Id
    private String application;

    @Column(name = "release_id")
    private UUID releaseId;

    @Column(name = "release_version")
    private String releaseVersion;

    @Column(nullable = false)
    private String state;

    @Column(nullable = false)
    private String message = "";

    @Column(name = "applied_generation", nullable = false)
    private long appliedGeneration;

    @Column(name = "reported_at", nullable = false)
    private Instant reportedAt;

    protected NodeActual() {}

    public UUID getNode() {
        return node;
    }

    public String getApplication() {
        return application;
    }

    public UUID getReleaseId() {
        return releaseId;
    }

    public String getReleaseVersion() {
        return releaseVersion;
    }

    public String getState() {
        return state;
    }

    public String getMessage() {
        return message;
    }

    public long getAppliedGeneration() {
        return appliedGeneration;
    }

    public Instant getReportedAt() {
        return reportedAt;
    }
}
