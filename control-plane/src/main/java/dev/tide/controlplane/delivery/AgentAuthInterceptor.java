package dev.tide.controlplane.delivery;

import dev.tide.controlplane.security.Secrets;
import dev.tide.proto.agent.v1.AgentGatewayGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import org.springframework.grpc.server.GlobalServerInterceptor;
import org.springframework.stereotype.Component;

/**
 * Authenticates every agent call but Enroll by its node credential
 * ({@code authorization: Bearer <credential>}) and puts the node's identity in the call context.
 */
@Component
@GlobalServerInterceptor
class AgentAuthInterceptor implements ServerInterceptor {
    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final String ENROLL = AgentGatewayGrpc.getEnrollMethod().getFullMethodName();
    private static final String GATEWAY = AgentGatewayGrpc.SERVICE_NAME + "/";

    private final NodeIdentityCache identities;

    AgentAuthInterceptor(NodeIdentityCache identities) {
        this.identities = identities;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String method = call.getMethodDescriptor().getFullMethodName();
        if (!method.startsWith(GATEWAY) || method.equals(ENROLL)) {
            return next.startCall(call, headers);
        }
        String header = headers.get(AUTHORIZATION);
        Optional<AgentIdentity> identity = Optional.empty();
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            identity = identities.find(Secrets.hash(header.substring(7).trim()));
        }
        if (identity.isEmpty()) {
            call.close(
                    Status.UNAUTHENTICATED.withDescription(
                            "missing or unknown node credential; send 'authorization: Bearer <node credential>'"),
                    new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return Contexts.interceptCall(
                Context.current().withValue(AgentIdentity.KEY, identity.get()), call, headers, next);
    }
}
