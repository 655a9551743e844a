package dev.tide.controlplane.application;

import dev.tide.controlplane.audit.AuditService;
import dev.tide.controlplane.system.ConflictException;
import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.Names;
import dev.tide.controlplane.system.NotFoundException;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Applications and their dependency DAG; refuses unknown dependencies and cycles. */
@Service
public class ApplicationService {
    private final ApplicationRepository applications;
    private final AuditService audit;
    private final Clock clock;

    ApplicationService(ApplicationRepository applications, AuditService audit, Clock clock) {
        this.applications = applications;
        this.audit = audit;
        this.clock = clock;
    }

    @Transactional(readOnly = true)
    public List<Application> list() {
        return applications.findAllByOrderByNameAsc();
    }

    @Transactional(readOnly = true)
    public Application get(String name) {
        return applications.findById(name).orElseThrow(() -> new NotFoundException("application", name));
    }

    /** The current dependency graph of all applications. */
    @Transactional(readOnly = true)
    public DependencyGraph graph() {
        Map<String, Set<String>> edges = new HashMap<>();
        applications.findAllWithDependencies().forEach(a -> edges.put(a.getName(), a.getDependsOn()));
        return new DependencyGraph(edges);
    }

    @Transactional
    public Application create(String name, String description, List<String> dependsOn) {
        Names.requireName("name", name);
        String desc = checkDescription(description);
        List<String> deps = dependsOn == null ? List.of() : dependsOn;
        if (applications.existsById(name)) {
            throw new ConflictException("application '" + name + "' already exists");
        }
        checkDependencies(name, deps);
        Application app = applications.save(new Application(name, desc, deps, clock.instant()));
        audit.record("application.create", "application/" + name, Map.of("dependsOn", deps));
        return app;
    }

    /** Changes description and/or dependencies; a change that would close a cycle is refused. */
    @Transactional
    public Application update(String name, String description, List<String> dependsOn) {
        Application app = get(name);
        if (description != null) {
            checkDescription(description);
        }
        if (dependsOn != null) {
            checkDependencies(name, dependsOn);
            Map<String, Set<String>> edges = new HashMap<>();
            applications.findAllWithDependencies().forEach(a -> edges.put(a.getName(), a.getDependsOn()));
            edges.put(name, Set.copyOf(dependsOn));
            new DependencyGraph(edges).findCycle().ifPresent(cycle -> {
                throw new ConflictException("dependsOn would create a dependency cycle: " + String.join(" -> ", cycle));
            });
        }
        app.update(description, dependsOn, clock.instant());
        audit.record("application.update", "application/" + name, Map.of("dependsOn", app.getDependsOn()));
        return app;
    }

    private void checkDependencies(String name, List<String> deps) {
        for (int i = 0; i < deps.size(); i++) {
            String dep = deps.get(i);
            String field = "dependsOn[" + i + "]";
            if (!Names.isName(dep)) {
                throw InvalidInputException.field(field, Names.NAME_RULE);
            }
            if (AgentApplication.is(dep) || (AgentApplication.is(name) && !deps.isEmpty())) {
                throw InvalidInputException.field(
                        field, "the agent (" + AgentApplication.NAME + ") neither depends on nor is depended on");
            }
            if (dep.equals(name)) {
                throw new ConflictException("an application cannot depend on itself: " + name + " -> " + name);
            }
            if (!applications.existsById(dep)) {
                throw InvalidInputException.unknownReference(field, "application '" + dep + "' does not exist");
            }
        }
        if (Set.copyOf(deps).size() != deps.size()) {
            throw InvalidInputException.field("dependsOn", "lists an application twice");
        }
    }

    private static String checkDescription(String description) {
        String desc = description == null ? "" : description;
        if (desc.length() > 500) {
            throw InvalidInputException.field("description", "must be at most 500 characters");
        }
        return desc;
    }
}
