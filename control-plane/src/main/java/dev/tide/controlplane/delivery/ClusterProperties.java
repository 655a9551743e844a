package dev.tide.controlplane.delivery;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.UUID;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How control-plane replicas on one database share the push sessions ({@code tide.cluster.*}).
 *
 * @param replicaId this replica's name in the lease table; unique per running replica. Default:
 *     the host name and a random suffix, new on every start (a restarted replica takes its share
 *     again with new epochs)
 * @param leaseTtl a push lease not renewed for this long expires, and another replica takes the
 *     node: how long the nodes of a replica that died stay undialled
 * @param leaseRenewInterval how often a replica renews its leases, writes its heartbeat and
 *     claims or hands back nodes to hold its fair share; well below {@code leaseTtl}
 */
@ConfigurationProperties("tide.cluster")
public record ClusterProperties(String replicaId, Duration leaseTtl, Duration leaseRenewInterval) {
    public ClusterProperties {
        replicaId = replicaId == null || replicaId.isBlank() ? defaultReplicaId() : replicaId.trim();
        if (replicaId.length() > 128) {
            throw new IllegalArgumentException("tide.cluster.replica-id is longer than 128 characters");
        }
        leaseTtl = leaseTtl == null ? Duration.ofSeconds(15) : leaseTtl;
        leaseRenewInterval = leaseRenewInterval == null ? Duration.ofSeconds(5) : leaseRenewInterval;
        if (leaseRenewInterval.isNegative()
                || leaseRenewInterval.isZero()
                || leaseRenewInterval.multipliedBy(2).compareTo(leaseTtl) > 0) {
            throw new IllegalArgumentException(
                    "tide.cluster.lease-renew-interval must be positive and at most half of tide.cluster.lease-ttl");
        }
    }

    private static String defaultReplicaId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "replica";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
