package dev.tide.controlplane.node;

import dev.tide.controlplane.environment.DeliveryMode;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.jdbc.core.namedparam.MapSqlParameterSource;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Finds and counts nodes in SQL, so a list page or a summary of 10,000 nodes reads a page of rows
 * or a few counts instead of every node with its applications. "Converged" and "online" are the
 * same rules as {@link NodeView#converged()} and {@link Liveness}, written over {@code node n}
 * joined to its {@code environment e}.
 */
@Component
class NodeSearch {
    /** {@link NodeView}'s rule: applied what it was given, and every application as desired. */
    static final String CONVERGED = """
            (n.applied_generation >= n.generation
             and not exists (select 1 from node_desired d
                             left join node_actual a on a.node = d.node and a.application = d.application
                             where d.node = n.id
                               and (a.node is null or a.release_id is distinct from d.release_id
                                    or a.state <> 'HEALTHY'))
             and not exists (select 1 from node_actual a
                             where a.node = n.id and a.state <> 'STOPPED'
                               and not exists (select 1 from node_desired d
                                               where d.node = a.node and d.application = a.application)))
            """;

    /** {@link Liveness#online}: heard from within the environment's window. */
    static final String ONLINE = """
            coalesce(n.last_seen_at >= cast(:now as timestamptz) - make_interval(secs =>
                2 * greatest(e.pull_interval_seconds + e.pull_jitter_seconds, :longestSilence) + :buffering), false)
            """;

    private final NamedParameterJdbcTemplate jdbc;
    private final Liveness liveness;

    NodeSearch(NamedParameterJdbcTemplate jdbc, Liveness liveness) {
        this.jdbc = jdbc;
        this.liveness = liveness;
    }

    /** One page of node ids in list order (environment, name), and how many match in all. */
    record Found(List<UUID> ids, long total) {}

    Found find(NodeQuery query, Instant now) {
        MapSqlParameterSource params = parameters(now);
        StringBuilder where = new StringBuilder(" from node n join environment e on e.name = n.environment where true");
        if (query.environment() != null) {
            where.append(" and n.environment = :environment");
            params.addValue("environment", query.environment());
        }
        if (query.online() != null) {
            where.append(query.online() ? " and " : " and not ").append(ONLINE);
        }
        if (query.converged() != null) {
            where.append(query.converged() ? " and " : " and not ").append(CONVERGED);
        }
        if (query.state() != null) {
            where.append(" and exists (select 1 from node_actual s where s.node = n.id and s.state = :state)");
            params.addValue("state", query.state());
        }
        if (query.name() != null) {
            where.append(" and n.name ilike :name escape '\\'");
            params.addValue("name", "%" + query.name().replaceAll("([\\\\%_])", "\\\\$1") + "%");
        }
        Long total = jdbc.queryForObject("select count(*)" + where, params, Long.class);
        params.addValue("limit", query.size()).addValue("offset", (long) query.page() * query.size());
        List<UUID> ids = jdbc.queryForList(
                "select n.id" + where + " order by n.environment, n.name limit :limit offset :offset",
                params,
                UUID.class);
        return new Found(ids, total == null ? 0 : total);
    }

    /**
     * Per environment (one, or all when {@code environment} is null): nodes, online, converged, on
     * the environment's mode, with a push endpoint.
     */
    Map<String, NodeService.Summary> counts(Instant now, String environment) {
        Map<String, NodeService.Summary> counts = new LinkedHashMap<>();
        MapSqlParameterSource params = parameters(now).addValue("environment", environment);
        jdbc.query(
                "select n.environment, count(*) as nodes,"
                        + " count(*) filter (where " + ONLINE + ") as online,"
                        + " count(*) filter (where " + CONVERGED + ") as converged,"
                        + " count(*) filter (where n.acked_mode = e.mode) as acknowledged,"
                        + " count(*) filter (where n.push_endpoint is not null) as pushable"
                        + " from node n join environment e on e.name = n.environment"
                        + (environment == null ? "" : " where n.environment = :environment")
                        + " group by n.environment",
                params,
                rs -> {
                    counts.put(
                            rs.getString("environment"),
                            new NodeService.Summary(
                                    rs.getLong("nodes"),
                                    rs.getLong("online"),
                                    rs.getLong("converged"),
                                    rs.getLong("acknowledged"),
                                    rs.getLong("pushable")));
                });
        return counts;
    }

    /** Nodes counted by their environment's mode and by whether they are online. */
    Map<NodeMeters.Key, Long> countByModeAndLiveness(Instant now) {
        Map<NodeMeters.Key, Long> counts = new HashMap<>();
        jdbc.query(
                "select e.mode, " + ONLINE + " as online, count(*) as nodes"
                        + " from node n join environment e on e.name = n.environment group by 1, 2",
                parameters(now),
                rs -> {
                    counts.put(
                            new NodeMeters.Key(DeliveryMode.valueOf(rs.getString("mode")), rs.getBoolean("online")),
                            rs.getLong("nodes"));
                });
        return counts;
    }

    private MapSqlParameterSource parameters(Instant now) {
        return new MapSqlParameterSource()
                .addValue("now", OffsetDateTime.ofInstant(now, ZoneOffset.UTC))
                .addValue("longestSilence", liveness.longestSilenceSeconds())
                .addValue("buffering", liveness.bufferingSeconds());
    }
}
