package dev.tide.controlplane.delivery;

import dev.tide.controlplane.node.NodeRepository;
import dev.tide.controlplane.node.NodeService;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * Node credentials (by hash) to identities, so authenticating a poll costs no database query
 * once the node was seen. Forgets a node as soon as it is removed.
 */
@Component
class NodeIdentityCache {
    private final NodeRepository nodes;
    private final Map<String, AgentIdentity> byHash = new ConcurrentHashMap<>();

    NodeIdentityCache(NodeRepository nodes) {
        this.nodes = nodes;
    }

    Optional<AgentIdentity> find(String credentialHash) {
        AgentIdentity cached = byHash.get(credentialHash);
        if (cached != null) {
            return Optional.of(cached);
        }
        return nodes.findByCredentialHash(credentialHash).map(n -> {
            AgentIdentity id = new AgentIdentity(n.getId(), n.getName(), n.getEnvironment());
            byHash.put(credentialHash, id);
            return id;
        });
    }

    @TransactionalEventListener
    void onNodeRemoved(NodeService.NodeRemoved event) {
        byHash.values().removeIf(id -> id.nodeId().equals(event.id()));
    }
}
