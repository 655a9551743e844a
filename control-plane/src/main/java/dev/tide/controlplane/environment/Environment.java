package dev.tide.controlplane.environment;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;

/** A set of nodes deployed together, with its delivery mode and the settings of both modes. */
@Entity
@Table(name = "environment")
public class Environment {
    @Id
    private String name;

    @Column(nullable = false)
    private String description = "";

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    private DeliveryMode mode;

    @Column(name = "pull_interval_seconds", nullable = false)
    private int pullIntervalSeconds;

    @Column(name = "pull_jitter_seconds", nullable = false)
    private int pullJitterSeconds;

    @Column(name = "watch_enabled", nullable = false)
    private boolean watchEnabled;

    @Column(name = "push_max_parallel", nullable = false)
    private int pushMaxParallel;

    @Column(name = "mode_changed_at", nullable = false)
    private Instant modeChangedAt;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    @Version
    private long version;

    protected Environment() {}

    Environment(String name, EnvironmentSettings settings, Instant now) {
        this.name = name;
        this.createdAt = now;
        this.modeChangedAt = now;
        this.mode = settings.mode();
        apply(settings, now);
    }

    /** Applies settings; returns true when the delivery mode changed. */
    boolean apply(EnvironmentSettings settings, Instant now) {
        boolean modeChanged = settings.mode() != this.mode;
        this.description = settings.description();
        this.mode = settings.mode();
        this.pullIntervalSeconds = settings.pullIntervalSeconds();
        this.pullJitterSeconds = settings.pullJitterSeconds();
        this.watchEnabled = settings.watch();
        this.pushMaxParallel = settings.pushMaxParallel();
        this.updatedAt = now;
        if (modeChanged) {
            this.modeChangedAt = now;
        }
        return modeChanged;
    }

    public EnvironmentSettings settings() {
        return new EnvironmentSettings(
                description, mode, pullIntervalSeconds, pullJitterSeconds, watchEnabled, pushMaxParallel);
    }

    public String getName() {
        return name;
    }

    public DeliveryMode getMode() {
        return mode;
    }

    public int getPullIntervalSeconds() {
        return pullIntervalSeconds;
    }

    public int getPullJitterSeconds() {
        return pullJitterSeconds;
    }

    public boolean isWatchEnabled() {
        return watchEnabled;
    }

    public int getPushMaxParallel() {
        return pushMaxParallel;
    }

    public String getDescription() {
        return description;
    }

    /** The row version: it moves with every change of the environment's settings. */
    public long getVersion() {
        return version;
    }

    public Instant getModeChangedAt() {
        return modeChangedAt;
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }
}
