package dev.tide.controlplane.node;

import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

public interface NodeActualRepository extends JpaRepository<NodeActual, NodeDesired.Key> {
    List<NodeActual> findAllByNode(UUID node);

    List<NodeActual> findAllByNodeIn(Collection<UUID> nodes);
}
