package dev.tide.controlplane.deployment;

import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;

public interface DeploymentRepository extends JpaRepository<Deployment, UUID> {
    List<Deployment> findAllByOrderByCreatedAtDesc(Pageable page);

    List<Deployment> findAllByEnvironmentOrderByCreatedAtDesc(String environment, Pageable page);

    List<Deployment> findAllByStateIn(Collection<DeploymentState> states);
}
