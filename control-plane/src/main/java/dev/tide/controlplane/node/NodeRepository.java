package dev.tide.controlplane.node;

import dev.tide.controlplane.environment.DeliveryMode;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

public interface NodeRepository extends JpaRepository<Node, UUID> {
    List<Node> findAllByEnvironmentOrderByNameAsc(String environment);

    /** Every node's id, for warming caches at start. */
    @Query("select n.id from Node n")
    List<UUID> findAllIds();

    /** Who a node is, without the entity. */
    /** {@code certificatesValidFrom}: null, or the time before which its certificates are refused. */
    record Identity(UUID id, String name, String environment, java.time.Instant certificatesValidFrom) {}

    /** Every node's identity in one query, for warming the authentication cache at start. */
    @Query("select new dev.tide.controlplane.node.NodeRepository$Identity(n.id, n.name, n.environment,"
            + " n.certificatesValidFrom) from Node n")
    List<Identity> findAllIdentities();

    /** A node's committed generation. */
    record Generation(UUID id, long generation) {}

    /** Every node's generation in one query, for a replica catching up on changes it missed. */
    @Query("select new dev.tide.controlplane.node.NodeRepository$Generation(n.id, n.generation) from Node n")
    List<Generation> findAllGenerations();

    /** The nodes of an environment whose generation is in {@code from..to}: one change of another replica. */
    @Query("select new dev.tide.controlplane.node.NodeRepository$Generation(n.id, n.generation) from Node n"
            + " where n.environment = :environment and n.generation between :from and :to")
    List<Generation> findGenerations(String environment, long from, long to);

    Optional<Node> findByEnvironmentAndName(String environment, String name);

    boolean existsByEnvironmentAndName(String environment, String name);

    /**
     * Serializes, until this transaction ends, enrollments under one node name (in any
     * environment; names that share a hash merely wait for each other): a PostgreSQL advisory lock.
     */
    @Query(value = "select 1 from pg_advisory_xact_lock(hashtext('tide.enroll.' || :name))", nativeQuery = true)
    Integer lockEnrollment(String name);

    /** What the push dispatcher needs of a node it dials: no entity, no persistence context. */
    record PushTarget(UUID id, String name, String environment, String pushEndpoint, DeliveryMode ackedMode) {}

    /** The nodes of an environment that have a push endpoint; read every reconcile round. */
    @Query("""
            select new dev.tide.controlplane.node.NodeRepository$PushTarget(
                     n.id, n.name, n.environment, n.pushEndpoint, n.ackedMode)
            from Node n where n.environment = :environment and n.pushEndpoint is not null
            order by n.name
            """)
    List<PushTarget> findPushTargets(String environment);

    /** Removes a node whatever is being written to it; its desired and actual rows go with it. */
    @Modifying
    @Query("delete from Node n where n.id = :id")
    int deleteNow(UUID id);
}
