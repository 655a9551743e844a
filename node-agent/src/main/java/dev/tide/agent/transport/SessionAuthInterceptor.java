package dev.tide.agent.transport;

import dev.tide.agent.apply.Sha256;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.function.Supplier;

/**
 * Admits a push session only with {@code authorization: Bearer <session token>}: the token's
 * SHA-256 is compared in constant time with the hash saved at enrollment.
 */
final class SessionAuthInterceptor implements ServerInterceptor {
    private static final String PREFIX = "Bearer ";

    private final Supplier<String> expectedSha256;

    SessionAuthInterceptor(Supplier<String> expectedSha256) {
        this.expectedSha256 = expectedSha256;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
            ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        if (!authorized(headers.get(BearerCredentials.AUTHORIZATION))) {
            call.close(Status.UNAUTHENTICATED.withDescription("missing or invalid session token"), new Metadata());
            return new ServerCall.Listener<>() {};
        }
        return next.startCall(call, headers);
    }

    private boolean authorized(String header) {
        String expected = expectedSha256.get();
        if (expected == null || header == null || !header.startsWith(PREFIX)) {
            return false;
        }
        byte[] presented = Sha256.of(header.substring(PREFIX.length()).getBytes(StandardCharsets.UTF_8));
        return MessageDigest.isEqual(presented, HexFormat.of().parseHex(expected));
    }
}
