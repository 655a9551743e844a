package dev.tide.controlplane.delivery;

import dev.tide.controlplane.cluster.ClusterBus;
import dev.tide.controlplane.cluster.ClusterMessage;
import dev.tide.controlplane.cluster.ClusterSubscriber;
import dev.tide.controlplane.environment.EnvironmentSettingsChanged;
import dev.tide.controlplane.node.NodeDesiredChanged;
import dev.tide.controlplane.node.NodeService;
import java.util.Set;
import java.util.UUID;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Keeps delivery's caches and parked watches of every replica in step: the desired-state,
 * identity and schedule changes this replica commits are sent on the cluster bus (inside their
 * transaction), and those of the others are applied here as if they had been made here. A wave
 * of many nodes is one message per environment carrying the range of generations it drew.
 */
@Component
class ClusterDeliverySync implements ClusterSubscriber {
    static final String DESIRED = "desired";
    static final String NODE_REMOVED = "node-removed";
    static final String NODE_REENROLLED = "node-reenrolled";
    static final String ENVIRONMENT = "environment";

    /**
     * Moves whenever a node's generation, existence or certificates, or an environment's settings
     * change: sums over a few thousand rows, read in one statement.
     */
    private static final String FINGERPRINT = """
            select (select count(*) || '/' || coalesce(sum(generation), 0) || '/'
                           || coalesce(sum(hashtext(id::text)::bigint), 0) || '/'
                           || coalesce(max(certificates_valid_from)::text, '')
                      from node)
                   || '|' ||
                   (select count(*) || '/' || coalesce(sum(version), 0) || '/'
                           || coalesce(sum(hashtext(name)::bigint), 0)
                      from environment)""";

    private final ClusterBus bus;
    private final DesiredStateCache cache;
    private final NodeIdentityCache identities;

    ClusterDeliverySync(ClusterBus bus, DesiredStateCache cache, NodeIdentityCache identities) {
        this.bus = bus;
        this.cache = cache;
        this.identities = identities;
    }

    @EventListener
    void desiredChanged(NodeDesiredChanged event) {
        bus.publish(new ClusterMessage(DESIRED, event.environment(), event.generation(), event.generation()));
    }

    @EventListener
    void nodeRemoved(NodeService.NodeRemoved event) {
        bus.publish(ClusterMessage.of(NODE_REMOVED, event.id().toString()));
    }

    @EventListener
    void nodeReenrolled(EnrollmentService.NodeReenrolled event) {
        bus.publish(ClusterMessage.of(NODE_REENROLLED, event.nodeId().toString()));
    }

    @EventListener
    void environmentChanged(EnvironmentSettingsChanged event) {
        bus.publish(ClusterMessage.of(ENVIRONMENT, event.environment()));
    }

    @Override
    public Set<String> topics() {
        return Set.of(DESIRED, NODE_REMOVED, NODE_REENROLLED, ENVIRONMENT);
    }

    @Override
    public void received(ClusterMessage m) {
        switch (m.topic()) {
            case DESIRED -> cache.changedElsewhere(m.key(), m.from(), m.to());
            case NODE_REMOVED ->
                nodeId(m).ifPresent(id -> {
                    identities.forget(id);
                    cache.forget(id);
                });
            case NODE_REENROLLED ->
                nodeId(m).ifPresent(id -> {
                    identities.forget(id);
                    cache.rebuild(id);
                });
            case ENVIRONMENT -> cache.scheduleChanged(m.key());
            default -> throw new IllegalArgumentException("not a delivery topic: " + m.topic());
        }
    }

    @Override
    public String fingerprintQuery() {
        return FINGERPRINT;
    }

    @Override
    public void resync() {
        identities.resync();
        cache.resync();
    }

    private static java.util.Optional<UUID> nodeId(ClusterMessage m) {
        try {
            return java.util.Optional.of(UUID.fromString(m.key()));
        } catch (IllegalArgumentException e) {
            return java.util.Optional.empty(); // not a node id: nothing of ours to forget
        }
    }
}
