package dev.tide.controlplane.deployment;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One rollout of one or more releases to the selected nodes of an environment. */
@Entity
@Table(name = "deployment")
public class Deployment {
    @Id
    private UUID id;

    @Column(nullable = false)
    private String environment;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false, columnDefinition = "jsonb")
    private Strategy strategy;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false, columnDefinition = "jsonb")
    private Map<String, String> selector;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    private DeploymentState state;

    @Column(nullable = false)
    private String message = "";

    @Column(name = "created_by", nullable = false)
    private String createdBy;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "started_at")
    private Instant startedAt;

    @Column(name = "finished_at")
    private Instant finishedAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    @Column(name = "next_step_at")
    private Instant nextStepAt;

    @Version
    private long version;

    protected Deployment() {}

    Deployment(String environment, Strategy strategy, Map<String, String> selector, String createdBy, Instant now) {
        this.id = UUID.randomUUID();
        this.environment = environment;
        this.strategy = strategy;
        this.selector = selector;
        this.state = DeploymentState.PENDING;
        this.createdBy = createdBy;
        this.createdAt = now;
        this.updatedAt = now;
    }

    public void transition(DeploymentState next, String message, Instant now) {
        if (next == DeploymentState.RUNNING && startedAt == null) {
            startedAt = now;
        }
        if (next.isFinished()) {
            finishedAt = now;
        }
        this.state = next;
        if (message != null) {
            this.message = message.length() <= 2000 ? message : message.substring(0, 2000);
        }
        this.updatedAt = now;
    }

    public UUID getId() {
        return id;
    }

    public String getEnvironment() {
        return environment;
    }

    public Strategy getStrategy() {
        return strategy;
    }

    public Map<String, String> getSelector() {
        return selector;
    }

    public DeploymentState getState() {
        return state;
    }

    public String getMessage() {
        return message;
    }

    public String getCreatedBy() {
        return createdBy;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getStartedAt() {
        return startedAt;
    }

    public Instant getFinishedAt() {
        return finishedAt;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }

    /** While set, the next wave waits until this time (the pause between waves). */
    public Instant getNextStepAt() {
        return nextStepAt;
    }

    public void setNextStepAt(Instant nextStepAt) {
        this.nextStepAt = nextStepAt;
    }
}
