package dev.tide.controlplane.security;

import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;

interface AppUserRepository extends JpaRepository<AppUser, String> {
    List<AppUser> findAllByOrderByNameAsc();

    long countByRoleAndEnabledTrue(Role role);
}
