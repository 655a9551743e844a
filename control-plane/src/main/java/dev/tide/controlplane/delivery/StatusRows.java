package dev.tide.controlplane.delivery;

import dev.tide.controlplane.environment.DeliveryMode;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The rows a batch of status reports writes, in a constant number of statements whatever the
 * batch's size: the reporting nodes' own columns (locked in id order first, so that a batch never
 * deadlocks with another writer of node rows) and one upsert of what each node runs.
 */
@Component
class StatusRows {
    private static final String LOCK_NODES = "select id from node where id = any(?) order by id for update";

    /** Only the columns a report carries: a concurrent generation bump or relabel is kept. */
    private static final String UPDATE_NODES = """
            update node n set
              applied_generation = greatest(n.applied_generation, r.generation),
              acked_mode = coalesce(r.mode, n.acked_mode),
              agent_version = coalesce(r.agent_version, n.agent_version),
              last_seen_at = greatest(n.last_seen_at, r.at)
            from unnest(?::uuid[], ?::bigint[], ?::varchar[], ?::varchar[], ?::timestamptz[])
                 as r(id, generation, mode, agent_version, at)
            where n.id = r.id
            """;

    private static final String UPSERT_ACTUAL = """
            insert into node_actual
              (node, application, release_id, release_version, state, message, applied_generation, reported_at,
               running_release_id, running_version, last_event, last_event_at, last_event_message)
            select * from unnest(?::uuid[], ?::varchar[], ?::uuid[], ?::varchar[], ?::varchar[], ?::varchar[],
                                 ?::bigint[], ?::timestamptz[], ?::uuid[], ?::varchar[], ?::varchar[],
                                 ?::timestamptz[], ?::varchar[])
            order by 1, 2
            on conflict (node, application) do update set
              release_id = excluded.release_id,
              release_version = excluded.release_version,
              state = excluded.state,
              message = excluded.message,
              applied_generation = excluded.applied_generation,
              reported_at = excluded.reported_at,
              running_release_id = excluded.running_release_id,
              running_version = excluded.running_version,
              last_event = coalesce(excluded.last_event, node_actual.last_event),
              last_event_at = case when excluded.last_event is null
                                   then node_actual.last_event_at else excluded.last_event_at end,
              last_event_message = case when excluded.last_event is null
                                        then node_actual.last_event_message else excluded.last_event_message end
            """;

    /** What one node's reports in a batch say about the node itself, merged. */
    record NodeRow(UUID id, long appliedGeneration, DeliveryMode mode, String agentVersion, Instant at) {}

    /**
     * The last reported state of one application on one node; {@code lastEvent} null when the
     * report carried no event about the running application (the stored one is kept).
     */
    record ActualRow(
            UUID node,
            String application,
            UUID releaseId,
            String version,
            String state,
            String message,
            long appliedGeneration,
            Instant at,
            UUID runningReleaseId,
            String runningVersion,
            String lastEvent,
            Instant lastEventAt,
            String lastEventMessage) {

        /** This row, keeping {@code older}'s event when it has none of its own. */
        ActualRow after(ActualRow older) {
            return lastEvent != null || older.lastEvent == null
                    ? this
                    : new ActualRow(
                            node,
                            application,
                            releaseId,
                            version,
                            state,
                            message,
                            appliedGeneration,
                            at,
                            runningReleaseId,
                            runningVersion,
                            older.lastEvent,
                            older.lastEventAt,
                            older.lastEventMessage);
        }
    }

    private final JdbcTemplate jdbc;

    StatusRows(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Locks the nodes' rows in id order and writes what their reports say; returns the nodes
     * that still exist (a node removed meanwhile is skipped). Inside the batch's transaction.
     */
    Set<UUID> writeNodes(Collection<NodeRow> rows) {
        if (rows.isEmpty()) {
            return Set.of();
        }
        Set<UUID> present = new HashSet<>();
        jdbc.query(
                connection -> {
                    PreparedStatement ps = connection.prepareStatement(LOCK_NODES);
                    ps.setArray(
                            1,
                            array(
                                    connection,
                                    "uuid",
                                    rows.stream().map(NodeRow::id).toArray()));
                    return ps;
                },
                rs -> {
                    present.add(rs.getObject(1, UUID.class));
                });
        List<NodeRow> live = rows.stream().filter(r -> present.contains(r.id())).toList();
        if (!live.isEmpty()) {
            jdbc.update(connection -> {
                PreparedStatement ps = connection.prepareStatement(UPDATE_NODES);
                ps.setArray(
                        1,
                        array(connection, "uuid", live.stream().map(NodeRow::id).toArray()));
                ps.setArray(
                        2,
                        array(
                                connection,
                                "int8",
                                live.stream().map(NodeRow::appliedGeneration).toArray()));
                ps.setArray(
                        3,
                        array(
                                connection,
                                "varchar",
                                live.stream()
                                        .map(r -> r.mode() == null
                                                ? null
                                                : r.mode().name())
                                        .toArray()));
                ps.setArray(
                        4,
                        array(
                                connection,
                                "varchar",
                                live.stream().map(NodeRow::agentVersion).toArray()));
                ps.setArray(
                        5,
                        array(
                                connection,
                                "timestamptz",
                                live.stream().map(r -> Timestamp.from(r.at())).toArray()));
                return ps;
            });
        }
        return present;
    }

    /** Upserts what the nodes run; one row per node and application (the caller keeps the last). */
    void writeActual(Collection<ActualRow> rows) {
        if (rows.isEmpty()) {
            return;
        }
        jdbc.update(connection -> {
            PreparedStatement ps = connection.prepareStatement(UPSERT_ACTUAL);
            ps.setArray(
                    1,
                    array(connection, "uuid", rows.stream().map(ActualRow::node).toArray()));
            ps.setArray(
                    2,
                    array(
                            connection,
                            "varchar",
                            rows.stream().map(ActualRow::application).toArray()));
            ps.setArray(
                    3,
                    array(
                            connection,
                            "uuid",
                            rows.stream().map(ActualRow::releaseId).toArray()));
            ps.setArray(
                    4,
                    array(
                            connection,
                            "varchar",
                            rows.stream().map(ActualRow::version).toArray()));
            ps.setArray(
                    5,
                    array(
                            connection,
                            "varchar",
                            rows.stream().map(ActualRow::state).toArray()));
            ps.setArray(
                    6,
                    array(
                            connection,
                            "varchar",
                            rows.stream().map(ActualRow::message).toArray()));
            ps.setArray(
                    7,
                    array(
                            connection,
                            "int8",
                            rows.stream().map(ActualRow::appliedGeneration).toArray()));
            ps.setArray(
                    8,
                    array(
                            connection,
                            "timestamptz",
                            rows.stream().map(r -> Timestamp.from(r.at())).toArray()));
            ps.setArray(
                    9,
                    array(
                            connection,
                            "uuid",
                            rows.stream().map(ActualRow::runningReleaseId).toArray()));
            ps.setArray(
                    10,
                    array(
                            connection,
                            "varchar",
                            rows.stream().map(ActualRow::runningVersion).toArray()));
            ps.setArray(
                    11,
                    array(
                            connection,
                            "varchar",
                            rows.stream().map(ActualRow::lastEvent).toArray()));
            ps.setArray(
                    12,
                    array(
                            connection,
                            "timestamptz",
                            rows.stream()
                                    .map(r -> r.lastEventAt() == null ? null : Timestamp.from(r.lastEventAt()))
                                    .toArray()));
            ps.setArray(
                    13,
                    array(
                            connection,
                            "varchar",
                            rows.stream().map(ActualRow::lastEventMessage).toArray()));
            return ps;
        });
    }

    private static Array array(Connection connection, String type, Object[] values) throws SQLException {
        return connection.createArrayOf(type, values);
    }
}
