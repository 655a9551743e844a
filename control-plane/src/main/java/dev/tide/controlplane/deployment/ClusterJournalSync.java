package dev.tide.controlplane.deployment;

import dev.tide.controlplane.cluster.ClusterMessage;
import dev.tide.controlplane.cluster.ClusterSubscriber;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * Journal entries committed on another replica (its executor advanced a deployment) reach the
 * event streams open on this one: the notice names the deployment, and the stream reads the
 * entries after the last one it sent from the database, as for a change made here.
 */
@Component
class ClusterJournalSync implements ClusterSubscriber {
    static final String TOPIC = "deployment-events";

    private final DeploymentEventStream stream;

    ClusterJournalSync(DeploymentEventStream stream) {
        this.stream = stream;
    }

    @Override
    public Set<String> topics() {
        return Set.of(TOPIC);
    }

    @Override
    public void received(ClusterMessage message) {
        try {
            stream.wake(Set.of(UUID.fromString(message.key())));
        } catch (IllegalArgumentException e) {
            // not a deployment id: no stream of ours to wake
        }
    }

    /** No fingerprint: every open stream reads the journal at each heartbeat anyway. */
    @Override
    public void resync() {
        stream.wakeAll();
    }
}
