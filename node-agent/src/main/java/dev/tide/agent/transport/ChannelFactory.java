package dev.tide.agent.transport;

import dev.tide.agent.HostPort;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Opens the channel to the control plane; a test or bench may hand in an in-process one. */
@FunctionalInterface
public interface ChannelFactory {
    /**
     * How long the channel to the control plane may sit without a call before its connection is
     * closed (and reopened by the next call). A PUSH-mode agent makes no calls, so it holds no
     * socket on the control plane; an agent that pulls every 30 s keeps its connection.
     */
    Duration IDLE_TIMEOUT = Duration.ofMinutes(2);

    /** A channel to {@code target} over TLS with {@code tls} (mutual TLS once the node is enrolled). */
    ManagedChannel open(HostPort target, Duration keepAlive, SslContext tls);

    /**
     * Netty channel with keepalive pings during calls only (a long-poll that stays silent
     * longer than {@code keepAlive}); idle connections are not pinged, so a server with gRPC's
     * default ping policy does not answer with GOAWAY.
     */
    static ChannelFactory netty() {
        return netty(IDLE_TIMEOUT, List.of());
    }

    /** The same channel with another idle timeout, and interceptors (a bench counts bytes with one). */
    static ChannelFactory netty(Duration idleTimeout, List<ClientInterceptor> interceptors) {
        return (target, keepAlive, tls) -> NettyChannelBuilder.forAddress(target.host(), target.port())
                .sslContext(tls)
                .keepAliveTime(keepAlive.toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(20, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(false)
                .idleTimeout(idleTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .maxInboundMessageSize(16 * 1024 * 1024)
                .intercept(interceptors)
                .build();
    }
}
