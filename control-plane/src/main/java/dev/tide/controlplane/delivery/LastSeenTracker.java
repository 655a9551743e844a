package dev.tide.controlplane.delivery;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * When each agent was last heard from. Kept in memory and written in one batch every few
 * seconds, so ten thousand polling agents do not mean ten thousand updates per interval.
 */
@Component
class LastSeenTracker {
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
        List<Object[]> rows = new ArrayList<>();
        for (UUID id : List.copyOf(pending.keySet())) {
            Instant at = pending.remove(id);
            if (at != null) {
                rows.add(new Object[] {Timestamp.from(at), id});
            }
        }
        // Never move last_seen_at backwards (a slower replica may flush an older time).
        jdbc.batchUpdate(
                "update node set last_seen_at = greatest(last_seen_at, ?) where id = ?", rows); // greatest() skips NULL
    }
}
