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

    @Column(name = "running_release_id")
    private UUID runningReleaseId;

    @Column(name = "running_version")
    private String runningVersion;

    @Column(name = "last_event")
    private String lastEvent;

    @Column(name = "last_event_at")
    private Instant lastEventAt;

    @Column(name = "last_event_message")
    private String lastEventMessage;

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

    /** The release whose process runs; null when none does, or the agent predates the field. */
    public UUID getRunningReleaseId() {
        return runningReleaseId;
    }

    public String getRunningVersion() {
        return runningVersion;
    }

    /** The last RESTARTED, APP_STOPPED or DRIFTED event of the application; null when none came. */
    public String getLastEvent() {
        return lastEvent;
    }

    public Instant getLastEventAt() {
        return lastEventAt;
    }

    public String getLastEventMessage() {
        return lastEventMessage;
    }
}
