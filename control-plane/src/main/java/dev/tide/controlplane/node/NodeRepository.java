package dev.tide.controlplane.node;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

public interface NodeRepository extends JpaRepository<Node, UUID> {
    List<Node> findAllByOrderByEnvironmentAscNameAsc();

    List<Node> findAllByEnvironmentOrderByNameAsc(String environment);

    Optional<Node> findByCredentialHash(String credentialHash);

    boolean existsByEnvironmentAndName(String environment, String name);

    /** Removes a node whatever is being written to it; its desired and actual rows go with it. */
    @Modifying
    @Query("delete from Node n where n.id = :id")
    int deleteNow(UUID id);

    /** Which of these node ids still exist. */
    @Query("select n.id from Node n where n.id in :ids")
    Set<UUID> findExistingIds(Collection<UUID> ids);
}
