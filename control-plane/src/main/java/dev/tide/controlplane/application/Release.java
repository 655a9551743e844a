package dev.tide.controlplane.application;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import org.hibernate.annotations.Immutable;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/**
 * An immutable version of an application: its artifact and how to run and check it, and its
 * signature when it was signed (verified when the release was created; never stored unverified).
 */
@Entity
@Immutable
@Table(name = "release")
public class Release {
    /**
     * A verified release signature: the key, the signature bytes, and the two parts of the signed
     * manifest that are not otherwise in the release: when it was signed and the dependencies the
     * application had then.
     */
    public record Signature(String keyId, byte[] value, Instant issuedAt, List<String> dependsOn) {}

    @Id
    private UUID id;

    @Column(nullable = false)
    private String application;

    @Column(nullable = false)
    private String version;

    @Column(name = "artifact_sha256", nullable = false)
    private String artifactSha256;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "start_argv", nullable = false, columnDefinition = "jsonb")
    private List<String> start;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false, columnDefinition = "jsonb")
    private Map<String, String> env;

    /** Write-only: delivered to agents, never shown. See {@link #getSecretEnv()}. */
    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "secret_env", nullable = false, columnDefinition = "jsonb")
    private Map<String, String> secretEnv;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "config_files", nullable = false, columnDefinition = "jsonb")
    private Map<String, String> configFiles;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "health_check", columnDefinition = "jsonb")
    private HealthCheckSpec healthCheck;

    @Column(name = "signature_key_id")
    private String signatureKeyId;

    @Column(name = "signature_value")
    private byte[] signatureValue;

    @Column(name = "signature_issued_at")
    private Instant signatureIssuedAt;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(name = "signed_depends_on", columnDefinition = "jsonb")
    private List<String> signedDependsOn;

    @Column(name = "run_as")
    private String runAs;

    @Column(name = "created_by", nullable = false)
    private String createdBy;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected Release() {}

    Release(String application, ReleaseSpec spec, String createdBy, Instant now) {
        this(application, spec, null, createdBy, now);
    }

    /** {@code signature}: null, or one that was verified over this release. */
    Release(String application, ReleaseSpec spec, Signature signature, String createdBy, Instant now) {
        this.id = UUID.randomUUID();
        this.application = application;
        this.version = spec.version();
        this.artifactSha256 = spec.artifactSha256();
        this.start = List.copyOf(spec.start());
        this.env = Map.copyOf(spec.env());
        this.secretEnv = Map.copyOf(spec.secretEnv());
        this.configFiles = Map.copyOf(spec.configFiles());
        this.healthCheck = spec.healthCheck();
        if (signature != null) {
            this.signatureKeyId = signature.keyId();
            this.signatureValue = signature.value().clone();
            this.signatureIssuedAt = signature.issuedAt();
            this.signedDependsOn = List.copyOf(signature.dependsOn());
        }
        this.runAs = spec.runAs();
        this.createdBy = createdBy;
        this.createdAt = now;
    }

    public UUID getId() {
        return id;
    }

    public String getApplication() {
        return application;
    }

    public String getVersion() {
        return version;
    }

    public String getArtifactSha256() {
        return artifactSha256;
    }

    public List<String> getStart() {
        return start;
    }

    public Map<String, String> getEnv() {
        return env;
    }

    /**
     * The secret values, for delivery to the agents that run the release and for nothing else:
     * no API answer, page or audit event may contain them. Views use {@link #getSecretEnvNames()}.
     */
    public Map<String, String> getSecretEnv() {
        return secretEnv;
    }

    /** The names of the secret variables, sorted: what users may see of them. */
    public SortedSet<String> getSecretEnvNames() {
        return new TreeSet<>(secretEnv.keySet());
    }

    public Map<String, String> getConfigFiles() {
        return configFiles;
    }

    public HealthCheckSpec getHealthCheck() {
        return healthCheck;
    }

    /** The verified signature; empty for an unsigned release. */
    public Optional<Signature> getSignature() {
        return signatureKeyId == null
                ? Optional.empty()
                : Optional.of(new Signature(
                        signatureKeyId, signatureValue.clone(), signatureIssuedAt, List.copyOf(signedDependsOn)));
    }

    /** The user the node runs this release's processes as; null: as the agent. */
    public String getRunAs() {
        return runAs;
    }

    public String getCreatedBy() {
        return createdBy;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }
}
