package dev.tide.controlplane.delivery;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * How desired state reaches agents ({@code tide.delivery.*}).
 *
 * @param maxWait the longest a long-poll (watch) is held before answering "unchanged"
 * @param reportFlushInterval how long status reports are gathered into one transaction
 * @param lastSeenFlushInterval how often poll times are written to the database
 * @param pushReconcileInterval how often the push dispatcher compares desired and acknowledged
 *     generations and reconnects lost sessions
 * @param pushApplyTimeout an Apply without a final status after this long is sent again
 * @param pushConnectTimeout deadline to open a push session to an agent
 * @param pushPingInterval how often an idle push session is pinged
 * @param chunkSize artifact chunk size on the wire
 * @param maxConcurrentAgentCalls agent calls whose handlers may run at once; more are answered
 *     RESOURCE_EXHAUSTED with a retry pushback ({@link AgentAdmission})
 * @param handshakeTimeout a connection that has not finished its TLS handshake by then is closed,
 *     so clients that gave up do not hold file descriptors
 * @param reconnectRate agents per second the fleet's reconnects after an outage are spread for: the
 *     reconnect cap given to agents is the number of nodes over this ({@link ReconnectPace})
 * @param maxAgentConnections agent connections held open at most; one more is reset as it is
 *     accepted. 0 (the default) derives it from the process's file-descriptor limit, less a tenth
 *     (at least 512) for everything else ({@link AgentConnectionLimit})
 */
@ConfigurationProperties("tide.delivery")
public record DeliveryProperties(
        Duration maxWait,
        Duration reportFlushInterval,
        Duration lastSeenFlushInterval,
        Duration pushReconcileInterval,
        Duration pushApplyTimeout,
        Duration pushConnectTimeout,
        Duration pushPingInterval,
        DataSize chunkSize,
        Integer maxConcurrentAgentCalls,
        Duration handshakeTimeout,
        Integer reconnectRate,
        Integer maxAgentConnections) {
    public DeliveryProperties {
        maxWait = maxWait == null ? Duration.ofSeconds(60) : maxWait;
        reportFlushInterval = reportFlushInterval == null ? Duration.ofMillis(100) : reportFlushInterval;
        lastSeenFlushInterval = lastSeenFlushInterval == null ? Duration.ofSeconds(5) : lastSeenFlushInterval;
        pushReconcileInterval = pushReconcileInterval == null ? Duration.ofSeconds(2) : pushReconcileInterval;
        pushApplyTimeout = pushApplyTimeout == null ? Duration.ofMinutes(10) : pushApplyTimeout;
        pushConnectTimeout = pushConnectTimeout == null ? Duration.ofSeconds(10) : pushConnectTimeout;
        pushPingInterval = pushPingInterval == null ? Duration.ofSeconds(30) : pushPingInterval;
        chunkSize = chunkSize == null ? DataSize.ofKilobytes(256) : chunkSize;
        maxConcurrentAgentCalls = maxConcurrentAgentCalls == null ? 64 : maxConcurrentAgentCalls;
        if (maxConcurrentAgentCalls < 1) {
            throw new IllegalArgumentException("tide.delivery.max-concurrent-agent-calls must be at least 1");
        }
        handshakeTimeout = handshakeTimeout == null ? Duration.ofSeconds(20) : handshakeTimeout;
        reconnectRate = reconnectRate == null ? 200 : reconnectRate;
        if (reconnectRate < 1) {
            throw new IllegalArgumentException("tide.delivery.reconnect-rate must be at least 1");
        }
        maxAgentConnections = maxAgentConnections == null ? 0 : maxAgentConnections;
        if (maxAgentConnections < 0) {
            throw new IllegalArgumentException(
                    "tide.delivery.max-agent-connections must be 0 (derived from the file-descriptor limit) or more");
        }
    }
}
