package dev.tide.controlplane.node;

import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.springframework.data.jpa.repository.JpaRepository;

public interface NodeDesiredRepository extends JpaRepository<NodeDesired, NodeDesired.Key> {
    List<NodeDesired> findAllByNode(UUID node);

    List<NodeDesired> findAllByNodeIn(Collection<UUID> nodes);
}
