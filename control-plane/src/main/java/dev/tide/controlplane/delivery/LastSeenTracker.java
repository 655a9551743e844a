package dev.tide.controlplane.delivery;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * When each agent was last heard from. Kept in memory and written in one statement every few
 * seconds, so ten thousand polling agents do not mean ten thousand updates per interval.
 *
 * <p>The statement never waits for a row lock: it takes the node rows in id order with {@code
 * SKIP LOCKED}, and a node whose row another transaction holds (status ingest, a rollout step) is
 * kept for the next flush. An unordered batch used to deadlock against status ingest.
 */
@Component
class LastSeenTracker {
    private static final String UPDATE = """
            with seen(id, at) as (select * from unnest(?::uuid[], ?::timestamptz[])),
                 free as (select n.id from node n join seen s on s.id = n.id
                          order by n.id for update of n skip locked)
            update node n set last_seen_at = greatest(n.last_seen_at, s.at)
            from seen s
            where s.id = n.id and n.id in (select id from free)
            returning n.id
            """;

    private final Map<UUID, Instant> pending = new ConcurrentHashMap<>();
    private final JdbcTemplate jdbc;
    private final Clock clock;

    LastSeenTracker(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    void seen(UUID nodeId) {
        pending.put(nodeId, clock.instant());
    }

    @Scheduled(fixedDelayString = "${tide.delivery.last-seen-flush-interval:5s}")
    void flush() {
        if (pending.isEmpty()) {
            return;
        }
        List<UUID> ids = new ArrayList<>();
        List<Timestamp> times = new ArrayList<>();
        for (UUID id : List.copyOf(pending.keySet())) {
            Instant at = pending.remove(id);
            if (at != null) {
                ids.add(id);
                times.add(Timestamp.from(at));
            }
        }
        Set<UUID> written = new HashSet<>();
        try {
            // Never moves last_seen_at backwards (a slower replica may flush an older time);
            // greatest() skips NULL.
            jdbc.query(
                    connection -> {
                        PreparedStatement ps = connection.prepareStatement(UPDATE);
                        Array idArray = connection.createArrayOf("uuid", ids.toArray());
                        Array timeArray = connection.createArrayOf("timestamptz", times.toArray());
                        ps.setArray(1, idArray);
                        ps.setArray(2, timeArray);
                        return ps;
                    },
                    rs -> {
                        written.add(rs.getObject(1, UUID.class));
                    });
        } finally {
            for (int i = 0; i < ids.size(); i++) {
                if (!written.contains(ids.get(i))) {
                    pending.merge(ids.get(i), times.get(i).toInstant(), (a, b) -> a.isAfter(b) ? a : b);
                }
            }
        }
    }

    /** Nodes waiting for the next flush (for tests). */
    int pendingCount() {
        return pending.size();
    }
}
