package dev.tide.controlplane.environment;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * An expiring secret agents exchange for node identities in one environment, at most
 * {@code maxUses} times. The use counter and the last use are written only by the atomic
 * redemption in {@link EnrollmentTokenRepository#claimUse}, never by flushing this entity, so a
 * stale copy cannot undo a concurrent use.
 */
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

    @Column(name = "max_uses", nullable = false, updatable = false)
    private int maxUses;

    @Column(nullable = false, updatable = false)
    private int uses;

    /** The last use. */
    @Column(name = "used_at", updatable = false)
    private Instant usedAt;

    /** The node enrolled by the last use. */
    @Column(name = "used_by", updatable = false)
    private UUID usedBy;

    /** When set, the token enrolls only this node name, and may enroll it again (re-enrollment). */
    @Column(name = "node_name", updatable = false)
    private String nodeName;

    @Column(name = "revoked_at")
    private Instant revokedAt;

    @Column(name = "revoked_by")
    private String revokedBy;

    protected EnrollmentToken() {}

    EnrollmentToken(
            String environment,
            String tokenHash,
            String description,
            String createdBy,
            Instant now,
            Instant expiresAt,
            int maxUses,
            String nodeName) {
        this.id = UUID.randomUUID();
        this.environment = environment;
        this.tokenHash = tokenHash;
        this.description = description;
        this.createdBy = createdBy;
        this.createdAt = now;
        this.expiresAt = expiresAt;
        this.maxUses = maxUses;
        this.nodeName = nodeName;
    }

    /** The one node name this token enrolls (and may enroll again), or null for any new name. */
    public String getNodeName() {
        return nodeName;
    }

    /** REVOKED, USED (every use taken), EXPIRED or ACTIVE at {@code now}, in that precedence. */
    public String status(Instant now) {
        if (revokedAt != null) {
            return "REVOKED";
        }
        if (uses >= maxUses) {
            return "USED";
        }
        return now.isBefore(expiresAt) ? "ACTIVE" : "EXPIRED";
    }

    void revoke(String actor, Instant now) {
        this.revokedAt = now;
        this.revokedBy = actor;
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

    public int getMaxUses() {
        return maxUses;
    }

    public int getUses() {
        return uses;
    }

    public Instant getRevokedAt() {
        return revokedAt;
    }

    public String getRevokedBy() {
        return revokedBy;
    }
}
