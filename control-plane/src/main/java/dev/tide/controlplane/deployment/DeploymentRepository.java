package dev.tide.controlplane.deployment;

import jakarta.persistence.LockModeType;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

public interface DeploymentRepository extends JpaRepository<Deployment, UUID> {
    List<Deployment> findAllByOrderByCreatedAtDesc(Pageable page);

    List<Deployment> findAllByEnvironmentOrderByCreatedAtDesc(String environment, Pageable page);

    List<Deployment> findAllByStateIn(Collection<DeploymentState> states);

    /** The deployment, locked for this transaction so operator actions and rollout steps serialize. */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select d from Deployment d where d.id = :id")
    Optional<Deployment> findForUpdate(UUID id);
}
