package dev.tide.controlplane.deployment;

import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

public interface DeploymentTargetRepository extends JpaRepository<DeploymentTarget, Long> {
    List<DeploymentTarget> findAllByDeploymentIdOrderByWaveAscNodeNameAscApplicationAsc(UUID deploymentId);

    List<DeploymentTarget> findAllByNodeIdAndGenerationAndStateIn(
            UUID nodeId, long generation, Collection<TargetState> states);

    List<DeploymentTarget> findAllByNodeIdAndStateIn(UUID nodeId, Collection<TargetState> states);
}
