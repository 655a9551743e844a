package dev.tide.controlplane.environment;

import jakarta.persistence.LockModeType;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

interface EnrollmentTokenRepository extends JpaRepository<EnrollmentToken, UUID> {
    List<EnrollmentToken> findAllByEnvironmentOrderByCreatedAtDesc(String environment);

    Optional<EnrollmentToken> findByTokenHash(String tokenHash);

    /** Revoking locks the row so it reads the uses no enrollment can still add to. */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select t from EnrollmentToken t where t.id = :id")
    Optional<EnrollmentToken> findByIdForUpdate(UUID id);

    /**
     * Takes one use of a usable token and answers its number (1 for the first), or empty when
     * the token is used up, expired or revoked. One statement by primary key: PostgreSQL
     * re-checks the condition on the row it locks, so concurrent agents never overshoot
     * {@code max_uses}; the row stays locked until the caller's transaction ends.
     */
    @Query(value = """
            update enrollment_token
               set uses = uses + 1, used_at = :now, used_by = :nodeId
             where id = :id and revoked_at is null and expires_at > :now and uses < max_uses
            returning uses
            """, nativeQuery = true)
    Optional<Integer> claimUse(UUID id, UUID nodeId, Instant now);
}
