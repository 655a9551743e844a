package dev.tide.controlplane.deployment;

import dev.tide.controlplane.cluster.ClusterBus;
import dev.tide.controlplane.cluster.ClusterMessage;
import jakarta.persistence.EntityManager;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The per-deployment event journal: every state change of a deployment, each wave it releases
 * and each target's progress, in the order they happened. Entries are written with the
 * transaction that made the change (so the journal never shows something that was rolled
 * back), and listeners hear about them after commit; the event stream and the console timeline
 * read from here.
 */
@Component
public class DeploymentJournal {
    /** One journal entry; {@code id} grows with every entry and serves as the SSE event id. */
    public record Entry(
            long id,
            UUID deploymentId,
            Instant at,
            String type,
            String node,
            String application,
            Integer stage,
            Integer wave,
            String message) {
        /** {@code target} for target progress, {@code deployment} for everything else. */
        public String category() {
            return type.startsWith("target.") ? "target" : "deployment";
        }
    }

    private record Pending(
            UUID deploymentId,
            Instant at,
            String type,
            String node,
            String application,
            Integer stage,
            Integer wave,
            String message) {}

    private final JdbcTemplate jdbc;
    private final EntityManager entityManager;
    private final Clock clock;
    private final ClusterBus bus;
    private final List<Consumer<Set<UUID>>> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    DeploymentJournal(JdbcTemplate jdbc, EntityManager entityManager, Clock clock, ClusterBus bus) {
        this.jdbc = jdbc;
        this.entityManager = entityManager;
        this.clock = clock;
        this.bus = bus;
    }

    /** A deployment-level entry (state change, pause, threshold...). */
    public void deployment(UUID deploymentId, String type, String message) {
        add(new Pending(deploymentId, clock.instant(), type, null, null, null, null, message));
    }

    /** A wave of a stage was released (or is waiting). */
    public void step(UUID deploymentId, String type, int stage, int wave, String message) {
        add(new Pending(deploymentId, clock.instant(), type, null, null, stage, wave, message));
    }

    /** A target moved; {@code type} is {@code target.<state>}. */
    public void target(DeploymentTarget t, Instant at, String message) {
        add(new Pending(
                t.getDeploymentId(),
                at,
                "target." + t.getState().name().toLowerCase(java.util.Locale.ROOT),
                t.getNodeName(),
                t.getApplication(),
                t.getStage(),
                t.getWave(),
                message));
    }

    /** Entries of a deployment after {@code afterId}, oldest first. */
    public List<Entry> after(UUID deploymentId, long afterId, int limit) {
        return jdbc.query(
                """
                select id, deployment_id, at, type, node_name, application, stage, wave, message
                  from deployment_event where deployment_id = ? and id > ? order by id limit ?""",
                (rs, i) -> new Entry(
                        rs.getLong(1),
                        rs.getObject(2, UUID.class),
                        rs.getTimestamp(3).toInstant(),
                        rs.getString(4),
                        rs.getString(5),
                        rs.getString(6),
                        (Integer) rs.getObject(7),
                        (Integer) rs.getObject(8),
                        rs.getString(9)),
                deploymentId,
                afterId,
                limit);
    }

    /** Called after a commit that journaled entries, with the deployments concerned. */
    public void onCommitted(Consumer<Set<UUID>> listener) {
        listeners.add(listener);
    }

    private void add(Pending entry) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            throw new IllegalStateException("the deployment journal is written inside a transaction");
        }
        Batch batch = (Batch) TransactionSynchronizationManager.getResource(this);
        if (batch == null) {
            batch = new Batch();
            TransactionSynchronizationManager.bindResource(this, batch);
            TransactionSynchronizationManager.registerSynchronization(batch);
        }
        batch.entries.add(entry);
        // Other replicas' event streams read the new entries when this commits (one notice per deployment).
        bus.publish(
                ClusterMessage.of(ClusterJournalSync.TOPIC, entry.deploymentId().toString()));
    }

    /** The entries of one transaction: inserted in one batch just before it commits. */
    private final class Batch implements TransactionSynchronization {
        final List<Pending> entries = new ArrayList<>();

        @Override
        public void beforeCommit(boolean readOnly) {
            // The deployment row an entry refers to may still be only in the persistence context.
            entityManager.flush();
            jdbc.batchUpdate("""
                    insert into deployment_event
                      (deployment_id, at, type, node_name, application, stage, wave, message)
                    values (?, ?, ?, ?, ?, ?, ?, ?)""", entries, 500, (ps, e) -> {
                ps.setObject(1, e.deploymentId());
                ps.setTimestamp(2, Timestamp.from(e.at()));
                ps.setString(3, e.type());
                ps.setString(4, e.node());
                ps.setString(5, e.application());
                ps.setObject(6, e.stage());
                ps.setObject(7, e.wave());
                String m = e.message() == null ? "" : e.message();
                ps.setString(8, m.length() <= 2000 ? m : m.substring(0, 2000));
            });
        }

        @Override
        public void afterCompletion(int status) {
            TransactionSynchronizationManager.unbindResourceIfPossible(DeploymentJournal.this);
            if (status == STATUS_COMMITTED) {
                Set<UUID> ids = new LinkedHashSet<>();
                entries.forEach(e -> ids.add(e.deploymentId()));
                listeners.forEach(l -> l.accept(ids));
            }
        }
    }
}
