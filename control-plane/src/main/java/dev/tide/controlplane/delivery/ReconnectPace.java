package dev.tide.controlplane.delivery;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The reconnect cap the control plane gives its agents ({@code Schedule.reconnect_cap_seconds}):
 * the longest an agent waits between two failed attempts to reach it. After an outage (a restart, a
 * lost database, a network cut), every agent retries with exponential backoff and full jitter up to
 * this cap, so the fleet comes back spread over about one cap: a cap sized to the fleet brings a
 * small fleet back within seconds and spreads a large one at about {@code
 * tide.delivery.reconnect-rate} agents per second. Nomad sizes its heartbeat TTL to its fleet in the
 * same way.
 *
 * <p>The cap is the number of nodes over the rate, rounded up to a multiple of {@link #STEP_SECONDS}
 * (so that it changes rarely as nodes enroll), between {@link #MIN_SECONDS} and {@link
 * #MAX_SECONDS}. The node count is read in the background every {@link #REFRESH_MILLIS} ms, never
 * on an agent's call, and a failed read keeps the last value: during a database outage the agents
 * still get a cap.
 */
@Component
class ReconnectPace {
    private static final Logger log = LoggerFactory.getLogger(ReconnectPace.class);

    static final int MIN_SECONDS = 5;
    static final int MAX_SECONDS = 300;
    static final int STEP_SECONDS = 5;
    static final long REFRESH_MILLIS = 30_000;

    private final JdbcTemplate jdbc;
    private final int rate;
    /** -1 until the first count. */
    private final AtomicLong nodes = new AtomicLong(-1);

    ReconnectPace(JdbcTemplate jdbc, DeliveryProperties properties) {
        this.jdbc = jdbc;
        this.rate = properties.reconnectRate();
    }

    /** The cap for the fleet as last counted; the smallest until the first count. */
    int capSeconds() {
        return capSeconds(Math.max(0, nodes.get()), rate);
    }

    static int capSeconds(long nodes, int ratePerSecond) {
        long seconds = (nodes + ratePerSecond - 1) / ratePerSecond;
        long stepped = (seconds + STEP_SECONDS - 1) / STEP_SECONDS * STEP_SECONDS;
        return (int) Math.max(MIN_SECONDS, Math.min(MAX_SECONDS, stepped));
    }

    @Scheduled(fixedDelay = REFRESH_MILLIS)
    void count() {
        try {
            Long counted = jdbc.queryForObject("select count(*) from node", Long.class);
            if (counted != null) {
                nodes.set(counted);
            }
        } catch (RuntimeException e) {
            // the last count stands; the database's outage is reported by readiness and the flushes
            log.debug("counting nodes for the reconnect cap failed: {}", e.toString());
        }
    }
}
