package dev.tide.agent.state;

import dev.tide.proto.agent.v1.Schedule;
import java.time.Instant;

/**
 * Who this agent is, as the control plane enrolled it. Stored in {@code identity.json} (0600).
 * Holds the node credential (needed on every call) but only the SHA-256 of the session token.
 */
public record Identity(
        String nodeId,
        String nodeName,
        String environment,
        String nodeCredential,
        String sessionTokenSha256,
        Schedule schedule,
        Instant enrolledAt) {

    /** Never prints the credential. */
    @Override
    public String toString() {
        return "Identity[nodeId=" + nodeId + ", nodeName=" + nodeName + ", environment=" + environment + "]";
    }
}
