package dev.tide.agent.transport;

import dev.tide.agent.HostPort;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Opens the channel to the control plane; a test or bench may hand in an in-process one. */
@FunctionalInterface
public interface ChannelFactory {
    ManagedChannel open(HostPort target, Duration keepAlive);

    /**
     * Plaintext Netty channel with keepalive pings during calls only (a long-poll that stays silent
     * longer than {@code keepAlive}); idle connections are not pinged, so a server with gRPC's
     * default ping policy does not answer with GOAWAY.
     */
    static ChannelFactory netty() {
        return (target, keepAlive) -> NettyChannelBuilder.forAddress(target.host(), target.port())
                .usePlaintext()
                .keepAliveTime(keepAlive.toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(20, TimeUnit.SECONDS)
                .keepAliveWithoutCalls(false)
                .maxInboundMessageSize(16 * 1024 * 1024)
                .build();
    }
}
