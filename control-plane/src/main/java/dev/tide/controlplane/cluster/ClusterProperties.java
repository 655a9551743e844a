package dev.tide.controlplane.cluster;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How replicas that share one database tell each other of changes ({@code tide.cluster.*}).
 *
 * @param enabled send and listen for change notifications; harmless with a single replica
 * @param channel the PostgreSQL notification channel every replica of one installation uses
 * @param fallbackInterval how often a replica compares cheap fingerprints of the shared tables
 *     with what it last saw, so that a lost notification costs at most this delay
 * @param reconnectMinDelay first wait before the listen connection is opened again after a loss
 * @param reconnectMaxDelay longest wait between attempts while the database stays unreachable
 */
@ConfigurationProperties("tide.cluster")
public record ClusterProperties(
        Boolean enabled,
        String channel,
        Duration fallbackInterval,
        Duration reconnectMinDelay,
        Duration reconnectMaxDelay) {
    public ClusterProperties {
        enabled = enabled == null || enabled;
        channel = channel == null ? "tide_changes" : channel;
        if (!channel.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException(
                    "tide.cluster.channel must be a lower-case SQL identifier (letters, digits, _), got " + channel);
        }
        fallbackInterval = fallbackInterval == null ? Duration.ofSeconds(30) : fallbackInterval;
        reconnectMinDelay = reconnectMinDelay == null ? Duration.ofMillis(500) : reconnectMinDelay;
        reconnectMaxDelay = reconnectMaxDelay == null ? Duration.ofSeconds(15) : reconnectMaxDelay;
        if (fallbackInterval.isNegative() || fallbackInterval.isZero()) {
            throw new IllegalArgumentException("tide.cluster.fallback-interval must be positive");
        }
        if (reconnectMinDelay.isNegative() || reconnectMaxDelay.compareTo(reconnectMinDelay) < 0) {
            throw new IllegalArgumentException(
                    "tide.cluster.reconnect-max-delay must be at least tide.cluster.reconnect-min-delay");
        }
    }
}
