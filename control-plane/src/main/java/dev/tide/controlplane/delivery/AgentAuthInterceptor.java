package dev.tide.controlplane.delivery;

import dev.tide.proto.agent.v1.AgentGatewayGrpc;
import dev.tide.security.PeerIdentity;
import dev.tide.security.ca.CertificateAuthority;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.springframework.grpc.server.GlobalServerInterceptor;
import org.springframework.stereotype.Component;

/**
 * Authenticates every gRPC call but Enroll (and the health check) by the node certificate the
 * caller presented in the TLS handshake, whatever the service: deny by default. The handshake
 * already proved the certificate chains to the Tide CA; here its identity must be a node that
 * still exists (removing a node revokes it), must not predate the node's last enrollment (enrolling
 * a node again revokes its older certificates) and must not have expired since the connection
 * opened. Puts the node's identity in the call context.
 */
@Component
@GlobalServerInterceptor
class AgentAuthInterceptor implements ServerInterceptor {
    private static final Set<String> OPEN =
            Set.of(AgentGatewayGrpc.getEnrollMethod().getFullMethodName(), "grpc.health.v1.Health/Check");
    /** The peer's identity, parsed once per TLS session. */
    private static final String PEER = "tide.peer";

    private record Peer(PeerIdentity identity, long notBeforeMillis, long notAfterMillis) {}

    private final NodeIdentityCache identities;
    private final Clock clock;

    AgentAuthInterceptor(NodeIdentityCache identities, Clock clock) {
        this.identities = identities;
        this.clock = clock;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (OPEN.contains(call.getMethodDescriptor().getFullMethodName())) {
            return next.startCall(call, headers);
        }
        Peer peer = peer(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
        Status refusal = null;
        Optional<AgentIdentity> identity = Optional.empty();
        if (peer == null) {
            refusal = Status.UNAUTHENTICATED.withDescription(
                    "a node certificate is required (mutual TLS); enroll first to get one");
        } else if (!peer.identity().isNode()) {
            refusal = Status.PERMISSION_DENIED.withDescription(peer.identity() + " is not a node");
        } else if (peer.notAfterMillis() < clock.instant().toEpochMilli()) {
            refusal = Status.UNAUTHENTICATED.withDescription("the node certificate expired at "
                    + Instant.ofEpochMilli(peer.notAfterMillis()) + "; the node must enroll again");
        } else {
            identity = identities.find(peer.identity().nodeId());
            if (identity.isEmpty()) {
                refusal = Status.UNAUTHENTICATED.withDescription(
                        "node " + peer.identity().nodeId()
                                + " is not enrolled: it was removed, which revoked its certificate; enroll again");
            } else if (identity.get().certificatesValidFrom() != null
                    && peer.notBeforeMillis()
                            < identity.get().certificatesValidFrom().toEpochMilli()) {
                refusal = Status.UNAUTHENTICATED.withDescription("this certificate of node "
                        + identity.get().nodeName() + " was revoked when the node enrolled again at "
                        + identity.get().certificatesValidFrom().plus(CertificateAuthority.BACKDATING)
                        + "; another agent holds its identity now");
                identity = Optional.empty();
            }
        }
        if (refusal != null) {
            call.close(refusal, new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return Contexts.interceptCall(
                Context.current().withValue(AgentIdentity.KEY, identity.get()), call, headers, next);
    }

    /** The verified peer of a TLS session, or null without TLS or without a Tide client certificate. */
    private static Peer peer(SSLSession session) {
        if (session == null) {
            return null;
        }
        Object cached = session.getValue(PEER);
        if (cached instanceof Peer peer) {
            return peer;
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return null;
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return null;
        }
        Peer peer = PeerIdentity.of(leaf)
                .map(id -> new Peer(
                        id, leaf.getNotBefore().getTime(), leaf.getNotAfter().getTime()))
                .orElse(null);
        if (peer != null) {
            session.putValue(PEER, peer);
        }
        return peer;
    }
}
