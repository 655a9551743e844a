package dev.tide.controlplane.node;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

public interface NodeRepository extends JpaRepository<Node, UUID> {
    List<Node> findAllByOrderByEnvironmentAscNameAsc();

    List<Node> findAllByEnvironmentOrderByNameAsc(String environment);

    Optional<Node> findByEnvironmentAndName(String environment, String name);

    boolean existsByEnvironmentAndName(String environment, String name);

    /** Removes a node whatever is being written to it; its desired and actual rows go with it. */
    @Modifying
    @Query("delete from Node n where n.id = :id")
    int deleteNow(UUID id);
}
