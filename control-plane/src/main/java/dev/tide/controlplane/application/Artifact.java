package dev.tide.controlplane.application;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/** An uploaded file, known by the sha256 of its bytes. */
@Entity
@Table(name = "artifact")
public class Artifact {
    @Id
    @Column
    private String sha256;

    @Column(nullable = false)
    private long size;

    @Column(name = "media_type", nullable = false)
    private String mediaType;

    @Column(name = "created_by", nullable = false)
    private String createdBy;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected Artifact() {}

    Artifact(String sha256, long size, String mediaType, String createdBy, Instant now) {
        this.sha256 = sha256;
        this.size = size;
        this.mediaType = mediaType;
        this.createdBy = createdBy;
        this.createdAt = now;
    }

    public String getSha256() {
        return sha256;
    }

    public long getSize() {
        return size;
    }

    public String getMediaType() {
        return mediaType;
    }

    public String getCreatedBy() {
        return createdBy;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }
}
