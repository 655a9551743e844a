package dev.tide.controlplane.delivery;

import dev.tide.controlplane.node.NodeRepository;
import dev.tide.controlplane.node.NodeService;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * Node ids (from verified certificates) to identities, so authenticating a poll costs no database
 * query once the node was seen. Forgets a node as soon as it is removed (that is what revokes its
 * certificate) or enrolled again (its older certificates are refused from then on).
 */
@Component
class NodeIdentityCache {
    private final NodeRepository nodes;
    private final Map<UUID, AgentIdentity> byId = new ConcurrentHashMap<>();

    NodeIdentityCache(NodeRepository nodes) {
        this.nodes = nodes;
    }

    Optional<AgentIdentity> find(UUID nodeId) {
        AgentIdentity cached = byId.get(nodeId);
        if (cached != null) {
            return Optional.of(cached);
        }
        return nodes.findById(nodeId).map(n -> {
            AgentIdentity id =
                    new AgentIdentity(n.getId(), n.getName(), n.getEnvironment(), n.getCertificatesValidFrom());
            byId.put(nodeId, id);
            return id;
        });
    }

    /**
     * Loads every node's identity in one query: after a restart ten thousand agents authenticate
     * at once, and each cold lookup is a query. Returns how many were loaded.
     */
    int warmUp() {
        List<NodeRepository.Identity> all = nodes.findAllIdentities();
        all.forEach(n -> byId.putIfAbsent(
                n.id(), new AgentIdentity(n.id(), n.name(), n.environment(), n.certificatesValidFrom())));
        return all.size();
    }

    @TransactionalEventListener
    void onNodeRemoved(NodeService.NodeRemoved event) {
        byId.remove(event.id());
    }

    /** Its certificates issued before now are refused from the next call on. */
    @TransactionalEventListener
    void onNodeReenrolled(EnrollmentService.NodeReenrolled event) {
        byId.remove(event.nodeId());
    }
}
