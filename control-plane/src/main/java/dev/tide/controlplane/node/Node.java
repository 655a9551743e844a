package dev.tide.controlplane.node;

import dev.tide.controlplane.environment.DeliveryMode;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.hibernate.annotations.DynamicUpdate;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * A machine running the Tide agent, enrolled into one environment. Updated column by column
 * ({@link DynamicUpdate}): the rollout writes {@code generation}, status reports write what the
 * agent said, and neither overwrites the other, so no version check is needed between them.
 */
@Entity
@DynamicUpdate
@Table(name = "node")
public class Node {
    @Id
    private UUID id;

    @Column(nullable = false)
    private String name;

    @Column(nullable = false)
    private String environment;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false, columnDefinition = "jsonb")
    private Map<String, String> labels;

    @Column(name = "push_endpoint")
    private String pushEndpoint;

    @Column(name = "public_key_sha256")
    private String publicKeySha256;

    @Column(name = "enrollment_token_id")
    private UUID enrollmentTokenId;

    @Column(name = "certificate_expires_at")
    private Instant certificateExpiresAt;

    /** Certificates issued before this (by their notBefore) are refused: set when the node enrolls again. */
    @Column(name = "certificates_valid_from")
    private Instant certificatesValidFrom;

    @Enumerated(EnumType.STRING)
    @Column(name = "acked_mode")
    private DeliveryMode ackedMode;

    @Column(name = "agent_version")
    private String agentVersion;

    /** The generation of this node's desired state; bumped by every change. */
    @Column(nullable = false)
    private long generation;

    /** The newest generation the agent reported as applied. */
    @Column(name = "applied_generation", nullable = false)
    private long appliedGeneration;

    @Column(name = "enrolled_at", nullable = false)
    private Instant enrolledAt;

    @Column(name = "last_seen_at")
    private Instant lastSeenAt;

    protected Node() {}

    public Node(
            UUID id,
            String name,
            String environment,
            Map<String, String> labels,
            String pushEndpoint,
            UUID enrollmentTokenId,
            String agentVersion,
            Instant now) {
        this.id = id;
        this.name = name;
        this.environment = environment;
        this.labels = new TreeMap<>(labels);
        this.pushEndpoint = pushEndpoint;
        this.enrollmentTokenId = enrollmentTokenId;
        this.agentVersion = agentVersion;
        this.enrolledAt = now;
        this.lastSeenAt = now;
    }

    public UUID getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public String getEnvironment() {
        return environment;
    }

    public Map<String, String> getLabels() {
        return labels;
    }

    public String getPushEndpoint() {
        return pushEndpoint;
    }

    /** SHA-256 (base64url) of the public key the node's current certificate was issued for. */
    public String getPublicKeySha256() {
        return publicKeySha256;
    }

    public UUID getEnrollmentTokenId() {
        return enrollmentTokenId;
    }

    public Instant getCertificateExpiresAt() {
        return certificateExpiresAt;
    }

    public Instant getCertificatesValidFrom() {
        return certificatesValidFrom;
    }

    /**
     * The node enrolled again (its agent lost its identity, e.g. a wiped data dir) with a token
     * made for it: it takes the new agent's labels, endpoint and version, keeps its id, desired
     * state and history, and refuses every certificate issued before {@code validFrom}.
     */
    public void reenrolled(
            UUID enrollmentTokenId,
            Map<String, String> labels,
            String pushEndpoint,
            String agentVersion,
            Instant validFrom,
            Instant now) {
        this.enrollmentTokenId = enrollmentTokenId;
        this.labels = new TreeMap<>(labels);
        this.pushEndpoint = pushEndpoint;
        this.agentVersion = agentVersion;
        this.certificatesValidFrom = validFrom;
        this.lastSeenAt = now;
        this.appliedGeneration = 0; // the new agent has applied nothing yet: not converged until it reports
    }

    /** Records the certificate just issued to the node. */
    public void certificateIssued(String publicKeySha256, Instant expiresAt) {
        this.publicKeySha256 = publicKeySha256;
        this.certificateExpiresAt = expiresAt;
    }

    public DeliveryMode getAckedMode() {
        return ackedMode;
    }

    public String getAgentVersion() {
        return agentVersion;
    }

    public long getGeneration() {
        return generation;
    }

    public long getAppliedGeneration() {
        return appliedGeneration;
    }

    public Instant getEnrolledAt() {
        return enrolledAt;
    }

    public Instant getLastSeenAt() {
        return lastSeenAt;
    }

    public void setGeneration(long generation) {
        this.generation = generation;
    }

    public boolean matches(Map<String, String> selector) {
        return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    }
}
