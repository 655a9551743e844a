package dev.tide.controlplane.environment;

import dev.tide.controlplane.audit.AuditService;
import dev.tide.controlplane.system.ConflictException;
import dev.tide.controlplane.system.Names;
import dev.tide.controlplane.system.NotFoundException;
import jakarta.persistence.EntityManager;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Environments and their delivery settings, including the runtime mode switch. */
@Service
public class EnvironmentService {
    private final EnvironmentRepository environments;
    private final EntityManager entityManager;
    private final AuditService audit;
    private final ApplicationEventPublisher events;
    private final Clock clock;

    EnvironmentService(
            EnvironmentRepository environments,
            EntityManager entityManager,
            AuditService audit,
            ApplicationEventPublisher events,
            Clock clock) {
        this.environments = environments;
        this.entityManager = entityManager;
        this.audit = audit;
        this.events = events;
        this.clock = clock;
    }

    @Transactional(readOnly = true)
    public List<Environment> list() {
        return environments.findAllByOrderByNameAsc();
    }

    @Transactional(readOnly = true)
    public Environment get(String name) {
        return environments.findById(name).orElseThrow(() -> new NotFoundException("environment", name));
    }

    @Transactional
    public Environment create(String name, EnvironmentSettings settings) {
        Names.requireName("name", name);
        settings.validate();
        if (environments.existsById(name)) {
            throw new ConflictException("environment '" + name + "' already exists");
        }
        Environment env = environments.save(new Environment(name, settings, clock.instant()));
        audit.record("environment.create", "environment/" + name, describe(settings));
        return env;
    }

    /** Changes settings; a changed {@code mode} is the mode switch, applied to its agents. */
    @Transactional
    public Environment update(String name, UnaryOperator<EnvironmentSettings> change) {
        Environment env = get(name);
        EnvironmentSettings before = env.settings();
        EnvironmentSettings after = change.apply(before);
        after.validate();
        boolean modeChanged = env.apply(after, clock.instant());
        Map<String, Object> details = describe(after);
        if (modeChanged) {
            details.put("previousMode", before.mode().name());
            audit.record("environment.mode-switch", "environment/" + name, details);
            events.publishEvent(new EnvironmentModeChanged(name, before.mode(), after.mode()));
        } else {
            audit.record("environment.update", "environment/" + name, details);
        }
        events.publishEvent(new EnvironmentSettingsChanged(name));
        return env;
    }

    @Transactional
    public void delete(String name) {
        Environment env = get(name);
        long nodes = count("select count(n) from Node n where n.environment = :env", name);
        if (nodes > 0) {
            throw new ConflictException(
                    "environment '" + name + "' still has " + nodes + " node(s); delete them first");
        }
        long deployments = count("select count(d) from Deployment d where d.environment = :env", name);
        if (deployments > 0) {
            throw new ConflictException("environment '" + name + "' has " + deployments
                    + " deployment(s) in its history and cannot be deleted");
        }
        environments.delete(env);
        audit.record("environment.delete", "environment/" + name, Map.of());
    }

    private long count(String jpql, String env) {
        return entityManager
                .createQuery(jpql, Long.class)
                .setParameter("env", env)
                .getSingleResult();
    }

    private static Map<String, Object> describe(EnvironmentSettings s) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("mode", s.mode().name());
        details.put("pullIntervalSeconds", s.pullIntervalSeconds());
        details.put("pullJitterSeconds", s.pullJitterSeconds());
        details.put("watch", s.watch());
        details.put("pushMaxParallel", s.pushMaxParallel());
        return details;
    }
}
