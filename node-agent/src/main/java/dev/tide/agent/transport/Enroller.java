package dev.tide.agent.transport;

import com.google.protobuf.ByteString;
import dev.tide.agent.AgentException;
import dev.tide.proto.agent.v1.EnrollRequest;
import dev.tide.proto.agent.v1.EnrollResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exchanges the enrollment token and a certificate request for an identity and certificate.
 * Retries while the control plane is unreachable (it may still be starting), with the same
 * request: the control plane answers a repeated request with the node it already made, so a lost
 * reply does not strand the node. A refusal is final.
 */
public final class Enroller {
    private static final Logger log = LoggerFactory.getLogger(Enroller.class);

    private final GatewayClient gateway;
    private final Sleeper sleeper;
    private final Backoff backoff;

    public Enroller(GatewayClient gateway, Sleeper sleeper, Backoff backoff) {
        this.gateway = gateway;
        this.sleeper = sleeper;
        this.backoff = backoff;
    }

    public EnrollResponse enroll(
            String token, String name, Map<String, String> labels, String pushEndpoint, String version, byte[] csr)
            throws AgentException, InterruptedException {
        EnrollRequest request = EnrollRequest.newBuilder()
                .setToken(token)
                .setName(name)
                .putAllLabels(labels)
                .setPushEndpoint(pushEndpoint)
                .setAgentVersion(version)
                .setCsr(ByteString.copyFrom(csr))
                .build();
        while (true) {
            try {
                EnrollResponse response = gateway.enroll(request);
                log.info(
                        "enrolled as {} (node {}) in environment {}",
                        name,
                        response.getNodeId(),
                        response.getEnvironment());
                return response;
            } catch (StatusRuntimeException e) {
                if (Thread.interrupted()) {
                    throw new InterruptedException("enrollment cancelled");
                }
                Status.Code code = e.getStatus().getCode();
                if (code == Status.Code.UNAVAILABLE && handshakeRefused(e)) {
                    throw new AgentException(
                            "enrollment refused: the TLS handshake with the control plane failed (" + describe(e)
                                    + "); check that the token's CA fingerprint belongs to this control plane",
                            1,
                            e);
                }
                if (!retryable(code)) {
                    throw new AgentException(
                            "enrollment refused by the control plane (" + code + "): " + describe(e), 1, e);
                }
                Duration wait = backoff.after(e);
                log.warn("cannot enroll yet ({}: {}); retrying in {}ms", code, describe(e), wait.toMillis());
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

    /**
     * A certificate the agent would not trust: retrying cannot help, and may be someone in between.
     * Only a certificate the agent checked and rejected counts: a handshake that timed out or a
     * connection closed in the middle of one (a busy control plane, thousands of agents starting)
     * is retried like any other unavailability.
     */
    static boolean handshakeRefused(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.security.cert.CertificateException) {
                return true;
            }
        }
        return false;
    }

    static String describe(StatusRuntimeException e) {
        String description = e.getStatus().getDescription();
        return description == null || description.isBlank()
                ? e.getStatus().getCode().toString()
                : description;
    }
}
