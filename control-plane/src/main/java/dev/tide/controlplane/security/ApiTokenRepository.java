package dev.tide.controlplane.security;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.transaction.annotation.Transactional;

interface ApiTokenRepository extends JpaRepository<ApiToken, UUID> {
    Optional<ApiToken> findByTokenHash(String tokenHash);

    List<ApiToken> findAllByOwnerOrderByCreatedAtDesc(String owner);

    List<ApiToken> findAllByOrderByCreatedAtDesc();

    boolean existsByOwnerAndName(String owner, String name);

    /** Records use without loading the entity; at most once a minute per token. */
    @Transactional
    @Modifying
    @Query(
            "update ApiToken t set t.lastUsedAt = :now where t.id = :id and (t.lastUsedAt is null or t.lastUsedAt < :threshold)")
    int touch(UUID id, Instant now, Instant threshold);
}
