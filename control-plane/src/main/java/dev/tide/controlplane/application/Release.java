package dev.tide.controlplane.application;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.UUID;
import org.hibernate.annotations.Immutable;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** An immutable version of an application: its artifact and how to run and check it. */
@Entity
@Immutable
@Table(name = "release")
public class Release {
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

    @Column
    private String signature;

    @Column(name = "run_as")
    private String runAs;

    @Column(name = "created_by", nullable = false)
    private String createdBy;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected Release() {}

    Release(String application, ReleaseSpec spec, String createdBy, Instant now) {
        this.id = UUID.randomUUID();
        this.application = application;
        this.version = spec.version();
        this.artifactSha256 = spec.artifactSha256();
        this.start = List.copyOf(spec.start());
        this.env = Map.copyOf(spec.env());
        this.secretEnv = Map.copyOf(spec.secretEnv());
        this.configFiles = Map.copyOf(spec.configFiles());
        this.healthCheck = spec.healthCheck();
        this.signature = spec.signature();
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

    public String getSignature() {
        return signature;
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
