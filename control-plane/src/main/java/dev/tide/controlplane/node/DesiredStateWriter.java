package dev.tide.controlplane.node;

import dev.tide.controlplane.system.NotFoundException;
import jakarta.persistence.EntityManager;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.JdbcTemplate;
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
    private final JdbcTemplate jdbc;
    private final ApplicationEventPublisher events;
    private final Clock clock;

    DesiredStateWriter(
            NodeRepository nodes,
            NodeDesiredRepository desired,
            EntityManager entityManager,
            JdbcTemplate jdbc,
            ApplicationEventPublisher events,
            Clock clock) {
        this.nodes = nodes;
        this.desired = desired;
        this.entityManager = entityManager;
        this.jdbc = jdbc;
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
     * Sets the releases of some applications on many nodes of one environment at once, in the
     * caller's transaction, in a constant number of statements: one wave of a rollout. Each node
     * gets its own new generation. Returns the generation of each node written; a node removed
     * meanwhile is left out. The node rows are locked in id order, as status batches lock them.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public Map<UUID, Long> assignAll(
            String environment, Map<UUID, Map<String, UUID>> releasesByNode, UUID deploymentId) {
        if (releasesByNode.isEmpty()) {
            return Map.of();
        }
        entityManager.flush(); // what this transaction changed through JPA first, then rows by SQL
        lockGenerations(environment, false);
        List<UUID> present = jdbc.query(
                connection -> {
                    PreparedStatement ps = connection.prepareStatement(
                            "select id from node where id = any(?) and environment = ? order by id for update");
                    ps.setArray(
                            1,
                            connection.createArrayOf(
                                    "uuid", releasesByNode.keySet().toArray()));
                    ps.setString(2, environment);
                    return ps;
                },
                (rs, i) -> rs.getObject(1, UUID.class));
        if (present.isEmpty()) {
            return Map.of();
        }
        List<Long> generations = jdbc.queryForList(
                "select nextval('node_generation_seq') from generate_series(1, ?) order by 1",
                Long.class,
                present.size());
        Map<UUID, Long> assigned = new LinkedHashMap<>();
        List<Object> nodeIds = new ArrayList<>();
        List<Object> apps = new ArrayList<>();
        List<Object> releaseIds = new ArrayList<>();
        List<Object> rowGenerations = new ArrayList<>();
        for (int i = 0; i < present.size(); i++) {
            UUID nodeId = present.get(i);
            long generation = generations.get(i);
            assigned.put(nodeId, generation);
            for (Map.Entry<String, UUID> e : new TreeMap<>(releasesByNode.get(nodeId)).entrySet()) {
                nodeIds.add(nodeId);
                apps.add(e.getKey());
                releaseIds.add(e.getValue());
                rowGenerations.add(generation);
            }
        }
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.update(connection -> {
            PreparedStatement ps = connection.prepareStatement("""
                    insert into node_desired (node, application, release_id, generation, deployment_id, updated_at)
                    select r.node, r.application, r.release_id, r.generation, ?, ?
                    from unnest(?::uuid[], ?::varchar[], ?::uuid[], ?::int8[])
                         as r(node, application, release_id, generation)
                    order by r.node, r.application
                    on conflict (node, application) do update set
                      release_id = excluded.release_id,
                      generation = excluded.generation,
                      deployment_id = excluded.deployment_id,
                      updated_at = excluded.updated_at
                    """);
            ps.setObject(1, deploymentId);
            ps.setTimestamp(2, now);
            ps.setArray(3, connection.createArrayOf("uuid", nodeIds.toArray()));
            ps.setArray(4, connection.createArrayOf("varchar", apps.toArray()));
            ps.setArray(5, connection.createArrayOf("uuid", releaseIds.toArray()));
            ps.setArray(6, connection.createArrayOf("int8", rowGenerations.toArray()));
            return ps;
        });
        jdbc.update(connection -> {
            PreparedStatement ps = connection.prepareStatement("""
                    update node n set generation = r.generation
                    from unnest(?::uuid[], ?::int8[]) as r(id, generation)
                    where n.id = r.id
                    """);
            ps.setArray(1, connection.createArrayOf("uuid", assigned.keySet().toArray()));
            ps.setArray(2, connection.createArrayOf("int8", assigned.values().toArray()));
            return ps;
        });
        // A Node entity loaded earlier in this transaction holds the old generation now; Node is
        // updated column by column (@DynamicUpdate), so it could only write it back if changed.
        assigned.forEach(
                (nodeId, generation) -> events.publishEvent(new NodeDesiredChanged(nodeId, environment, generation)));
        return assigned;
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
