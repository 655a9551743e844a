package dev.tide.controlplane.deployment;

import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

public interface DeploymentReleaseRepository extends JpaRepository<DeploymentRelease, DeploymentRelease.Key> {
    List<DeploymentRelease> findAllByDeploymentIdOrderByPosition(UUID deploymentId);
}
