package dev.tide.controlplane.node;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

public interface NodeRepository extends JpaRepository<Node, UUID> {
    List<Node> findAllByOrderByEnvironmentAscNameAsc();

    List<Node> findAllByEnvironmentOrderByNameAsc(String environment);

    Optional<Node> findByCredentialHash(String credentialHash);

    boolean existsByEnvironmentAndName(String environment, String name);
}
