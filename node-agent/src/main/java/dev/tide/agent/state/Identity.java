package dev.tide.agent.state;

import dev.tide.proto.agent.v1.Schedule;
import java.time.Instant;

/**
 * Who this agent is, as the control plane enrolled it. Stored in {@code identity.json} (0600);
 * the key and certificate that prove it are in {@code tls/}.
 */
public record Identity(String nodeId, String nodeName, String environment, Schedule schedule, Instant enrolledAt) {}
