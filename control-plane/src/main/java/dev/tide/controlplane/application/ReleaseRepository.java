package dev.tide.controlplane.application;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

public interface ReleaseRepository extends JpaRepository<Release, UUID> {
    List<Release> findAllByApplicationOrderByCreatedAtDesc(String application);

    Optional<Release> findByApplicationAndVersion(String application, String version);

    boolean existsByApplicationAndVersion(String application, String version);
}
