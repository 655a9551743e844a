package dev.tide.controlplane.delivery;

import io.grpc.Context;
import java.time.Instant;
import java.util.UUID;

/**
 * The node an agent call was authenticated as; set by {@link AgentAuthInterceptor}.
 *
 * @param certificatesValidFrom null, or when the node last enrolled again: certificates issued
 *     before are refused
 */
record AgentIdentity(UUID nodeId, String nodeName, String environment, Instant certificatesValidFrom) {
    static final Context.Key<AgentIdentity> KEY = Context.key("tide-agent-identity");

    static AgentIdentity current() {
        AgentIdentity id = KEY.get();
        if (id == null) {
            throw new IllegalStateException("no authenticated agent in this call");
        }
        return id;
    }
}
