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

    /** How many deployments are in a state. */
    record StateCount(DeploymentState state, long count) {}

    /** Deployments counted by state, in one statement (the {@code tide.deployments} gauges). */
    @Query("""
            select new dev.tide.controlplane.deployment.DeploymentRepository$StateCount(d.state, count(d))
            from Deployment d group by d.state
            """)
    List<StateCount> countByState();

    /** The deployment, locked for this transaction so operator actions and rollout steps serialize. */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select d from Deployment d where d.id = :id")
    Optional<Deployment> findForUpdate(UUID id);

    /**
     * The deployment, locked for this transaction; empty when another transaction holds its row
     * (another replica advancing it, an operator action, a status batch): {@code SKIP LOCKED}.
     */
    @Query(value = "select * from deployment where id = :id for update skip locked", nativeQuery = true)
    Optional<Deployment> findForUpdateUnlessBusy(UUID id);

    /**
     * Serializes, until this transaction ends, everything that checks and then claims the nodes
     * of one environment (creating a deployment, rolling one back): a PostgreSQL advisory lock.
     */
    @Query(
            value = "select 1 from pg_advisory_xact_lock(hashtext('tide.deployments.' || :environment))",
            nativeQuery = true)
    Integer lockEnvironment(String environment);
}
