package dev.tide.controlplane.environment;

import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

interface EnrollmentTokenRepository extends JpaRepository<EnrollmentToken, UUID> {
    List<EnrollmentToken> findAllByEnvironmentOrderByCreatedAtDesc(String environment);

    /** Locks the row so two agents racing with one token cannot both enroll. */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select t from EnrollmentToken t where t.tokenHash = :hash")
    Optional<EnrollmentToken> findByTokenHashForUpdate(String hash);
}
