package dev.tide.controlplane.application;

import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.time.Instant;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;

/** A deployable application and the applications it depends on. */
@Entity
@Table(name = "application")
public class Application {
    @Id
    private String name;

    @Column(nullable = false)
    private String description = "";

    @ElementCollection(fetch = FetchType.EAGER)
    @CollectionTable(name = "application_dependency", joinColumns = @JoinColumn(name = "application"))
    @Column(name = "depends_on")
    private Set<String> dependsOn = new TreeSet<>();

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    private Instant updatedAt;

    @Version
    private long version;

    protected Application() {}

    Application(String name, String description, Collection<String> dependsOn, Instant now) {
        this.name = name;
        this.description = description;
        this.dependsOn = new TreeSet<>(dependsOn);
        this.createdAt = now;
        this.updatedAt = now;
    }

    void update(String description, Collection<String> dependsOn, Instant now) {
        if (description != null) {
            this.description = description;
        }
        if (dependsOn != null) {
            this.dependsOn.clear();
            this.dependsOn.addAll(dependsOn);
        }
        this.updatedAt = now;
    }

    public String getName() {
        return name;
    }

    public String getDescription() {
        return description;
    }

    public Set<String> getDependsOn() {
        return new TreeSet<>(dependsOn);
    }

    public Instant getCreatedAt() {
        return createdAt;
    }

    public Instant getUpdatedAt() {
        return updatedAt;
    }
}
