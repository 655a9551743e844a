package dev.tide.controlplane.node;

import dev.tide.controlplane.system.NotFoundException;
import jakarta.persistence.EntityManager;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The only writer of desired state. Every change takes the next value of
 * {@code node_generation_seq}, so generations are monotonic across nodes and restarts.
 *
 * <p>A generation is drawn under the environment's generation lock: shared by changes of single
 * nodes (rollouts), exclusive for a change of every node of the environment. Otherwise a node could
 * be written with a generation drawn before a concurrent change's and committed after it, so
 * that its generation went backwards.
 */
@Service
public class DesiredStateWriter {
    private final NodeRepository nodes;
    private final NodeDesiredRepository desired;
    private final EntityManager entityManager;
    private final ApplicationEventPublisher events;
    private final Clock clock;

    DesiredStateWriter(
            NodeRepository nodes,
            NodeDesiredRepository desired,
            EntityManager entityManager,
            ApplicationEventPublisher events,
            Clock clock) {
        this.nodes = nodes;
        this.desired = desired;
        this.entityManager = entityManager;
        this.events = events;
        this.clock = clock;
    }

    /**
     * Sets the releases of some applications on a node, in the caller's transaction, and returns
     * the node's new generation. Applications not named keep their release.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public long assign(UUID nodeId, Map<String, UUID> releasesByApp, UUID deploymentId) {
        Node node = nodes.findById(nodeId).orElseThrow(() -> new NotFoundException("node", nodeId));
        lockGenerations(node.getEnvironment(), false);
        long generation = nextGeneration();
        Instant now = clock.instant();
        releasesByApp.forEach((app, releaseId) -> {
            NodeDesired row = desired.findById(new NodeDesired.Key(nodeId, app)).orElse(null);
            if (row == null) {
                desired.save(new NodeDesired(nodeId, app, releaseId, generation, deploymentId, now));
            } else {
                row.set(releaseId, generation, deploymentId, now);
            }
        });
        node.setGeneration(generation);
        events.publishEvent(new NodeDesiredChanged(nodeId, node.getEnvironment(), generation));
        return generation;
    }

    /**
     * Takes applications out of a node's desired state (the agent stops them), in the caller's
     * transaction, and returns the node's new generation.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public long remove(UUID nodeId, java.util.Collection<String> applications) {
        Node node = nodes.findById(nodeId).orElseThrow(() -> new NotFoundException("node", nodeId));
        lockGenerations(node.getEnvironment(), false);
        long generation = nextGeneration();
        applications.forEach(app -> desired.deleteById(new NodeDesired.Key(nodeId, app)));
        node.setGeneration(generation);
        events.publishEvent(new NodeDesiredChanged(nodeId, node.getEnvironment(), generation));
        return generation;
    }

    /**
     * Moves every node of an environment to a new generation without changing what they run, in
     * the caller's transaction: for a part of the desired state that belongs to the environment
     * (its release keys). Agents get the new state as after any other change.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void touchEnvironment(String environment) {
        lockGenerations(environment, true);
        for (Node node : nodes.findAllByEnvironmentOrderByNameAsc(environment)) {
            long generation = nextGeneration();
            node.setGeneration(generation);
            events.publishEvent(new NodeDesiredChanged(node.getId(), environment, generation));
        }
    }

    private void lockGenerations(String environment, boolean exclusive) {
        entityManager
                .createNativeQuery(
                        "select 1 from " + (exclusive ? "pg_advisory_xact_lock" : "pg_advisory_xact_lock_shared")
                                + "(hashtext('tide.generations.' || :environment))")
                .setParameter("environment", environment)
                .getSingleResult();
    }

    private long nextGeneration() {
        return ((Number) entityManager
                        .createNativeQuery("select nextval('node_generation_seq')")
                        .getSingleResult())
                .longValue();
    }
}
