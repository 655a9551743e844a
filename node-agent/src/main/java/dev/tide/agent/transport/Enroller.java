package dev.tide.agent.transport;

import dev.tide.agent.AgentException;
import dev.tide.agent.apply.Sha256;
import dev.tide.agent.state.Identity;
import dev.tide.proto.agent.v1.EnrollRequest;
import dev.tide.proto.agent.v1.EnrollResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exchanges the enrollment token for an identity. Retries while the control plane is unreachable
 * (it may still be starting); a refusal is final.
 */
public final class Enroller {
    private static final Logger log = LoggerFactory.getLogger(Enroller.class);

    private final GatewayClient gateway;
    private final Sleeper sleeper;
    private final Backoff backoff;
    private final Clock clock;

    public Enroller(GatewayClient gateway, Sleeper sleeper, Backoff backoff, Clock clock) {
        this.gateway = gateway;
        this.sleeper = sleeper;
        this.backoff = backoff;
        this.clock = clock;
    }

    public Identity enroll(String token, String name, Map<String, String> labels, String pushEndpoint, String version)
            throws AgentException, InterruptedException {
        EnrollRequest request = EnrollRequest.newBuilder()
                .setToken(token)
                .setName(name)
                .putAllLabels(labels)
                .setPushEndpoint(pushEndpoint)
                .setAgentVersion(version)
                .build();
        while (true) {
            try {
                EnrollResponse response = gateway.enroll(request);
                log.info(
                        "enrolled as {} (node {}) in environment {}",
                        name,
                        response.getNodeId(),
                        response.getEnvironment());
                return new Identity(
                        response.getNodeId(),
                        name,
                        response.getEnvironment(),
                        response.getNodeCredential(),
                        Sha256.hex(response.getSessionToken().getBytes(StandardCharsets.UTF_8)),
                        response.getSchedule(),
                        clock.instant());
            } catch (StatusRuntimeException e) {
                if (Thread.interrupted()) {
                    throw new InterruptedException("enrollment cancelled");
                }
                Status.Code code = e.getStatus().getCode();
                if (!retryable(code)) {
                    throw new AgentException(
                            "enrollment refused by the control plane (" + code + "): " + describe(e), 1, e);
                }
                Duration wait = backoff.next();
                log.warn("cannot enroll yet ({}); retrying in {}ms", code, wait.toMillis());
                sleeper.sleep(wait);
            }
        }
    }

    static boolean retryable(Status.Code code) {
        return code == Status.Code.UNAVAILABLE
                || code == Status.Code.DEADLINE_EXCEEDED
                || code == Status.Code.RESOURCE_EXHAUSTED
                || code == Status.Code.ABORTED
                || code == Status.Code.INTERNAL
                || code == Status.Code.UNKNOWN;
    }

    static String describe(StatusRuntimeException e) {
        String description = e.getStatus().getDescription();
        return description == null || description.isBlank()
                ? e.getStatus().getCode().toString()
                : description;
    }
}
