package dev.tide.controlplane.security;

import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

interface AppUserRepository extends JpaRepository<AppUser, String> {
    List<AppUser> findAllByOrderByNameAsc();

    long countByRoleAndEnabledTrue(Role role);

    /**
     * Serialises the creation of the first admin among replicas that start together on an empty
     * database, until the transaction ends: a PostgreSQL advisory lock.
     */
    @Query(value = "select 1 from pg_advisory_xact_lock(hashtext('tide.admin-bootstrap'))", nativeQuery = true)
    Integer lockBootstrap();
}
