package dev.tide.controlplane.deployment;

import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

public interface DeploymentTargetRepository extends JpaRepository<DeploymentTarget, Long> {
    List<DeploymentTarget> findAllByDeploymentIdOrderByWaveAscNodeNameAscApplicationAsc(UUID deploymentId);

    List<DeploymentTarget> findAllByNodeIdAndGenerationAndStateIn(
            UUID nodeId, long generation, Collection<TargetState> states);

    List<DeploymentTarget> findAllByNodeIdAndStateIn(UUID nodeId, Collection<TargetState> states);

    /** Active deployments that already target one of these nodes with one of these applications. */
    @Query("""
            select distinct t.deploymentId from DeploymentTarget t, Deployment d
            where d.id = t.deploymentId and d.state in :states
              and t.nodeId in :nodes and t.application in :applications
            """)
    List<UUID> findOverlapping(
            Collection<DeploymentState> states, Collection<UUID> nodes, Collection<String> applications);
}
