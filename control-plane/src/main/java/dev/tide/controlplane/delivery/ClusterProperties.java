package dev.tide.controlplane.delivery;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How control-plane replicas on one database share the push sessions ({@code tide.cluster.*}).
 *
 * @param replicaId this replica's name in the lease table; unique per running replica. Default
 *     ({@link #replicaIdFor}): the host name and a hash of the data dir, the same after a restart,
 *     so a replica that restarts (even after {@code kill -9}) takes its own leases back at once,
 *     with new epochs, instead of waiting for them to expire
 * @param leaseTtl a push lease not renewed for this long expires, and another replica takes the
 *     node: how long the nodes of a replica that died stay undialled
 * @param leaseRenewInterval how often a replica renews its leases, writes its heartbeat and
 *     claims or hands back nodes to hold its fair share; well below {@code leaseTtl}
 * @param rebalanceRate how many leases per second a replica above its fair share hands back (a
 *     replica that joins or restarts takes its share over this pace rather than all at once: each
 *     handed-back node's session closes on one replica and opens, with a TLS handshake, on another)
 */
@ConfigurationProperties("tide.cluster")
public record ClusterProperties(
        String replicaId, Duration leaseTtl, Duration leaseRenewInterval, Integer rebalanceRate) {
    public ClusterProperties {
        replicaId = replicaId == null || replicaId.isBlank() ? null : replicaId.trim();
        if (replicaId != null && replicaId.length() > 128) {
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
        rebalanceRate = rebalanceRate == null ? 200 : rebalanceRate;
        if (rebalanceRate < 1) {
            throw new IllegalArgumentException("tide.cluster.rebalance-rate must be at least 1 (leases per second)");
        }
    }

    /** The most leases one round hands back to balance the replicas: the rate over one interval. */
    public int handBackPerRound() {
        long perRound = (rebalanceRate * leaseRenewInterval.toMillis() + 999) / 1000;
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, perRound));
    }

    /**
     * This replica's id: the configured one, else the host name and a hash of the data dir (each
     * replica has its own data dir, so two on one host differ; one restarted keeps its id).
     */
    public String replicaIdFor(Path dataDir) {
        if (replicaId != null) {
            return replicaId;
        }
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "replica";
        }
        String dir = dataDir.toAbsolutePath().normalize().toString();
        return host + "-" + HexFormat.of().toHexDigits(dir.hashCode());
    }
}
