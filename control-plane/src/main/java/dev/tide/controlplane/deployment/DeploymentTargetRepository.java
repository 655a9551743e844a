package dev.tide.controlplane.deployment;

import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

public interface DeploymentTargetRepository extends JpaRepository<DeploymentTarget, Long> {
    List<DeploymentTarget> findAllByDeploymentIdOrderByWaveAscNodeNameAscApplicationAsc(UUID deploymentId);

    List<DeploymentTarget> findAllByDeploymentIdOrderByStageAscWaveAscNodeNameAscApplicationAsc(UUID deploymentId);

    /** One page of a deployment's targets in plan order (stage, wave, node, application). */
    org.springframework.data.domain.Page<DeploymentTarget>
            findByDeploymentIdOrderByStageAscWaveAscNodeNameAscApplicationAsc(
                    UUID deploymentId, org.springframework.data.domain.Pageable page);

    /** The same, only the targets in one state. */
    org.springframework.data.domain.Page<DeploymentTarget>
            findByDeploymentIdAndStateOrderByStageAscWaveAscNodeNameAscApplicationAsc(
                    UUID deploymentId, TargetState state, org.springframework.data.domain.Pageable page);

    List<DeploymentTarget> findAllByNodeIdAndGenerationAndStateIn(
            UUID nodeId, long generation, Collection<TargetState> states);

    List<DeploymentTarget> findAllByNodeIdAndStateIn(UUID nodeId, Collection<TargetState> states);

    /** How many targets of one (stage, wave) are in one state, and the oldest release time among them. */
    record StepCount(int stage, int wave, TargetState state, long count, java.time.Instant oldestDesiredAt) {}

    /** The deployment's targets counted by step and state: what most rollout decisions need. */
    @Query("""
            select new dev.tide.controlplane.deployment.DeploymentTargetRepository$StepCount(
                     t.stage, t.wave, t.state, count(t), min(t.desiredAt))
            from DeploymentTarget t where t.deploymentId = :deploymentId
            group by t.stage, t.wave, t.state
            """)
    List<StepCount> countBySteps(UUID deploymentId);

    /**
     * The targets on these nodes in these states. Nodes and states come as PostgreSQL array
     * literals ({@link SqlArrays}): a status batch names up to 2,000 nodes, and a JPQL {@code in}
     * list would bind (and Hibernate would render) one parameter per node, a new statement for
     * every batch size.
     */
    @Query(
            value = "select * from deployment_target where node_id = any(cast(:nodes as uuid[]))"
                    + " and state = any(cast(:states as varchar[]))",
            nativeQuery = true)
    List<DeploymentTarget> findOnNodes(String nodes, String states);

    /**
     * Locks, for this transaction, the deployments that have a target in one of these states on
     * one of these nodes (array literals, as {@link #findOnNodes}); returns their ids. In id order
     * (PostgreSQL sorts before it locks): every locker of more than one deployment takes them in
     * the same order, so two of them never deadlock.
     */
    @Query(
            value = "select d.id from deployment d where d.id in (select t.deployment_id from deployment_target t"
                    + " where t.node_id = any(cast(:nodes as uuid[])) and t.state = any(cast(:states as varchar[])))"
                    + " order by d.id for update",
            nativeQuery = true)
    List<UUID> lockDeploymentsOn(String nodes, String states);

    /**
     * Other deployments, still active, that target a node and application {@code deploymentId}
     * released.
     */
    @Query("""
            select distinct other.deploymentId from DeploymentTarget mine, DeploymentTarget other, Deployment d
            where mine.deploymentId = :deploymentId and mine.generation is not null
              and other.nodeId = mine.nodeId and other.application = mine.application
              and other.deploymentId <> :deploymentId
              and d.id = other.deploymentId and d.state in :states
            """)
    List<UUID> findActiveOverlapping(UUID deploymentId, Collection<DeploymentState> states);

    /** Later deployments that released the same node and application as {@code deploymentId}. */
    @Query("""
            select distinct later.deploymentId from DeploymentTarget mine, DeploymentTarget later, Deployment d
            where mine.deploymentId = :deploymentId and mine.generation is not null
              and later.nodeId = mine.nodeId and later.application = mine.application
              and later.deploymentId <> :deploymentId and later.generation is not null
              and d.id = later.deploymentId and d.createdAt > :createdAt
            """)
    List<UUID> findLaterDeploymentsTouching(UUID deploymentId, java.time.Instant createdAt);

    /** Active deployments that already target one of these nodes with one of these applications. */
    @Query("""
            select distinct t.deploymentId from DeploymentTarget t, Deployment d
            where d.id = t.deploymentId and d.state in :states
              and t.nodeId in :nodes and t.application in :applications
            """)
    List<UUID> findOverlapping(
            Collection<DeploymentState> states, Collection<UUID> nodes, Collection<String> applications);
}
