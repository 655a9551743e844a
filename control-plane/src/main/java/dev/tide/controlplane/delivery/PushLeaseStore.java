package dev.tide.controlplane.delivery;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The push lease and replica heartbeat tables. One {@link #round} is one transaction of seven
 * statements whatever the number of nodes: the heartbeat, the count of live replicas and push
 * nodes, the renewal of every lease this replica holds, the release of those it no longer needs,
 * and the claim of free or expired leases up to its fair share. Expiry is always the database's
 * {@code now()}, so replicas' clocks need not agree.
 */
@Component
class PushLeaseStore {
    /** Nodes some replica should dial: a push endpoint, and a PUSH environment or an agent still in PUSH. */
    private static final String CANDIDATES = """
            select n.id from node n join environment e on e.name = n.environment
            where n.push_endpoint is not null and (e.mode = 'PUSH' or n.acked_mode = 'PUSH')
            """;

    private static final String HEARTBEAT = """
            insert into control_plane_replica (id, started_at, heartbeat_at) values (?, now(), now())
            on conflict (id) do update set heartbeat_at = now()
            """;

    /** Rows of replicas gone for ten lease lifetimes; they count as dead long before. */
    private static final String FORGET_REPLICAS =
            "delete from control_plane_replica where heartbeat_at < now() - ? * interval '10 milliseconds'";

    private static final String COUNTS = "select (select count(*) from control_plane_replica"
            + " where heartbeat_at > now() - ? * interval '1 millisecond'), (select count(*) from (" + CANDIDATES
            + ") c)";

    private static final String RENEW = "update push_lease set expires_at = now() + ? * interval '1 millisecond'"
            + " where owner = ? and expires_at > now() and node_id in (" + CANDIDATES + ")"
            + " returning node_id, epoch";

    /**
     * A replica's first round: the leases its id holds are a previous run's (a restart, even after
     * kill -9), so it renews them, expired or not, with new epochs, which fence that run out.
     */
    private static final String TAKE_OVER = "update push_lease set expires_at = now() + ? * interval '1 millisecond',"
            + " epoch = nextval('push_lease_epoch') where owner = ? and node_id in (" + CANDIDATES + ")"
            + " returning node_id, epoch";

    private static final String RELEASE = "delete from push_lease where owner = ? and not (node_id = any(?))";

    /**
     * Free or expired leases, in an order of this replica's own (a hash of node and replica) so
     * that replicas claiming at once mostly want different nodes. A lease another replica takes in
     * the same instant is skipped by the conflict clause, which sees its new expiry.
     */
    private static final String CLAIM = "insert into push_lease (node_id, owner, epoch, expires_at)"
            + " select c.id, ?, nextval('push_lease_epoch'), now() + ? * interval '1 millisecond' from ("
            + " select n.id from (" + CANDIDATES + ") n left join push_lease l on l.node_id = n.id"
            + " where l.node_id is null or l.expires_at <= now()"
            + " order by md5(n.id::text || ?) limit ?) c"
            + " on conflict (node_id) do update"
            + " set owner = excluded.owner, epoch = excluded.epoch, expires_at = excluded.expires_at"
            + " where push_lease.expires_at <= now()"
            + " returning node_id, epoch";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate tx;

    PushLeaseStore(JdbcTemplate jdbc, PlatformTransactionManager transactions) {
        this.jdbc = jdbc;
        this.tx = new TransactionTemplate(transactions);
    }

    /**
     * What one round decided.
     *
     * @param held every lease this replica holds now, node to epoch
     * @param acquired the leases of {@code held} taken in this round (each with a new epoch)
     * @param released the leases handed back in this round to stay within the fair share
     * @param replicas live replicas, this one included
     * @param pushNodes nodes to be dialled by some replica
     */
    record Round(Map<UUID, Long> held, Set<UUID> acquired, Set<UUID> released, int replicas, int pushNodes) {}

    /**
     * Renews, releases and claims leases for {@code replica} so it holds its fair share; with
     * {@code takeOver} (its first round) it takes the leases a previous run under its id left. It
     * hands back at most {@code maxHandBack} leases above its share, so that a replica that joins
     * takes its share over several rounds.
     */
    Round round(String replica, Duration ttl, boolean takeOver, int maxHandBack) {
        long ttlMillis = ttl.toMillis();
        return tx.execute(status -> {
            jdbc.update(HEARTBEAT, replica);
            jdbc.update(FORGET_REPLICAS, ttlMillis);
            long[] counts =
                    jdbc.queryForObject(COUNTS, (rs, i) -> new long[] {rs.getLong(1), rs.getLong(2)}, ttlMillis);
            int replicas = (int) Math.max(1, counts[0]);
            int pushNodes = (int) counts[1];
            int share = (int) ((pushNodes + replicas - 1) / replicas);

            Map<UUID, Long> held = new HashMap<>();
            Set<UUID> acquired = new java.util.HashSet<>();
            jdbc.query(
                    takeOver ? TAKE_OVER : RENEW,
                    rs -> {
                        held.put(rs.getObject(1, UUID.class), rs.getLong(2));
                        if (takeOver) {
                            acquired.add(rs.getObject(1, UUID.class));
                        }
                    },
                    ttlMillis,
                    replica);
            List<UUID> released = new ArrayList<>();
            if (held.size() > share) {
                // hand back the youngest leases: the sessions opened longest ago stay
                held.entrySet().stream()
                        .sorted(Map.Entry.<UUID, Long>comparingByValue(Comparator.reverseOrder()))
                        .limit(Math.min(held.size() - share, maxHandBack))
                        .map(Map.Entry::getKey)
                        .toList()
                        .forEach(id -> {
                            held.remove(id);
                            acquired.remove(id);
                            released.add(id);
                        });
            }
            jdbc.update(connection -> {
                PreparedStatement ps = connection.prepareStatement(RELEASE);
                Array kept = connection.createArrayOf("uuid", held.keySet().toArray());
                ps.setString(1, replica);
                ps.setArray(2, kept);
                return ps;
            });
            if (held.size() < share) {
                jdbc.query(
                        CLAIM,
                        rs -> {
                            UUID node = rs.getObject(1, UUID.class);
                            held.put(node, rs.getLong(2));
                            acquired.add(node);
                        },
                        replica,
                        ttlMillis,
                        replica,
                        share - held.size());
            }
            return new Round(Map.copyOf(held), Set.copyOf(acquired), Set.copyOf(released), replicas, pushNodes);
        });
    }

    /**
     * Hands back every lease of {@code replica} and removes its heartbeat: a survivor takes its
     * nodes at once. Two statements, each on its own: at shutdown the database may be going away
     * too (a unit's processes all get SIGTERM), and a transaction that cannot roll back would log
     * an ERROR for what is only a lease that expires by itself; a heartbeat left behind expires too.
     */
    void leave(String replica) {
        jdbc.update("delete from push_lease where owner = ?", replica);
        jdbc.update("delete from control_plane_replica where id = ?", replica);
    }
}
