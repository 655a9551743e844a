package dev.tide.controlplane.environment;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A single-use, expiring secret an agent exchanges for a node identity in one environment. */
@Entity
@Table(name = "enrollment_token")
public class EnrollmentToken {
    @Id
    private UUID id;

    @Column(nullable = false)
    private String environment;

    @Column(name = "token_hash", nullable = false)
    private String tokenHash;

    @Column(nullable = false)
    private String description;

    @Column(name = "created_by", nullable = false)
    private String createdBy;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "expires_at", nullable = false)
    private Instant expiresAt;

    @Column(name = "used_at")
    private Instant usedAt;

    @Column(name = "used_by")
    private UUID usedBy;

    protected EnrollmentToken() {}

    EnrollmentToken(
            String environment,
            String tokenHash,
            String description,
            String createdBy,
            Instant now,
            Instant expiresAt) {
        this.id = UUID.randomUUID();
        this.environment = environment;
        this.tokenHash = tokenHash;
        this.description = description;
        this.createdBy = createdBy;
        this.createdAt = now;
        this.expiresAt = expiresAt;
    }

    /** ACTIVE, USED or EXPIRED at {@code now}. */
    public String status(Instant now) {
        if (usedAt != null) {
            return "USED";
        }
        return now.isBefore(expiresAt) ? "ACTIVE" : "EXPIRED";
    }

    void markUsed(UUID nodeId, Instant now) {
        this.usedAt = now;
        this.usedBy = nodeId;
    }

    public UUID getId() {
        return id;
    }

    public String getEnvironment() {
        return environment;
    }

    public String getDescription() {
        return description;
    }

    public String getCreatedBy() {
        return createdBy;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getExpiresAt() {
        return expiresAt;
    }

    public Instant getUsedAt() {
        return usedAt;
    }

    public UUID getUsedBy() {
        return usedBy;
    }
}
