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

    /**
     * Catches up after notices of other replicas may have been missed: every identity is read
     * again in one query; a node that went or changed is forgotten or replaced.
     */
    int resync() {
        List<NodeRepository.Identity> all = nodes.findAllIdentities();
        Map<UUID, AgentIdentity> fresh = new java.util.HashMap<>();
        all.forEach(n ->
                fresh.put(n.id(), new AgentIdentity(n.id(), n.name(), n.environment(), n.certificatesValidFrom())));
        byId.keySet().retainAll(fresh.keySet());
        byId.replaceAll((id, known) -> fresh.getOrDefault(id, known));
        return all.size();
    }

    @TransactionalEventListener
    void onNodeRemoved(NodeService.NodeRemoved event) {
        forget(event.id());
    }

    /** Its certificates issued before now are refused from the next call on. */
    @TransactionalEventListener
    void onNodeReenrolled(EnrollmentService.NodeReenrolled event) {
        forget(event.nodeId());
    }

    /** A node removed or enrolled again, here or on another replica: read again at its next call. */
    void forget(UUID nodeId) {
        byId.remove(nodeId);
    }
}
