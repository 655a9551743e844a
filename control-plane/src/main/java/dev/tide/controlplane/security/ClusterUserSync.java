package dev.tide.controlplane.security;

import dev.tide.controlplane.cluster.ClusterBus;
import dev.tide.controlplane.cluster.ClusterMessage;
import dev.tide.controlplane.cluster.ClusterSubscriber;
import java.util.Set;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * A user changed or deleted on one replica is forgotten by the credential and session caches of
 * every replica: the change is sent on the cluster bus with its transaction, and the others drop
 * what they remembered of that user as this replica does.
 */
@Component
class ClusterUserSync implements ClusterSubscriber {
    static final String USER = "user";

    private final ClusterBus bus;
    private final CredentialCache credentials;
    private final SessionUsers sessions;

    ClusterUserSync(ClusterBus bus, CredentialCache credentials, SessionUsers sessions) {
        this.bus = bus;
        this.credentials = credentials;
        this.sessions = sessions;
    }

    @EventListener
    void userChanged(UserChanged event) {
        bus.publish(ClusterMessage.of(USER, event.name()));
    }

    @Override
    public Set<String> topics() {
        return Set.of(USER);
    }

    @Override
    public void received(ClusterMessage message) {
        UserChanged changed = new UserChanged(message.key());
        credentials.on(changed);
        sessions.on(changed);
    }

    @Override
    public String fingerprintQuery() {
        return "select count(*) || '/' || coalesce(sum(version), 0) || '/' || coalesce(sum(hashtext(name)::bigint), 0)"
                + " from app_user";
    }

    @Override
    public void resync() {
        credentials.clear();
        sessions.clear();
    }
}
