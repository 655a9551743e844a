package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The connection cap over real sockets: beyond it a connection is reset as it is accepted, before
 * any gRPC or TLS, and a place freed by a closed connection is taken by the next one.
 */
class AgentConnectionLimitTests {
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final AgentServerConfiguration.AgentServerEventLoops loops =
            new AgentServerConfiguration.AgentServerEventLoops();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private Server server;

    @AfterEach
    void stop() throws InterruptedException {
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        loops.close();
    }

    private AgentConnectionLimit start(int max) throws IOException {
        AgentConnectionLimit limit = new AgentConnectionLimit(max, meters, System::nanoTime);
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .bossEventLoopGroup(loops.boss)
                .workerEventLoopGroup(loops.workers)
                .channelFactory(() -> new LimitedServerSocketChannel(limit))
                .addService(new HealthStatusManager().getHealthService())
                .build()
                .start();
        return limit;
    }

    private HealthCheckResponse.ServingStatus check(ManagedChannel channel) {
        return HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .check(HealthCheckRequest.getDefaultInstance())
                .getStatus();
    }

    private ManagedChannel channel() {
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
                .usePlaintext()
                .build();
        channels.add(channel);
        return channel;
    }

    @Test
    void aConnectionOverTheLimitIsResetAsItIsAcceptedAndAFreedPlaceIsTakenAgain() throws Exception {
        AgentConnectionLimit limit = start(2);
        ManagedChannel first = channel();
        ManagedChannel second = channel();
        assertThat(check(first)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(check(second)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(limit.open()).isEqualTo(2);
        assertThat(meters.get("tide.agent.connections").gauge().value()).isEqualTo(2);

        try (Socket raw = new Socket("127.0.0.1", server.getPort())) {
            raw.setSoTimeout(5_000);
            InputStream in = raw.getInputStream();
            int read;
            try {
                read = in.read();
            } catch (SocketException reset) {
                read = -1;
            }
            assertThat(read)
                    .as("closed at once, before a byte of HTTP/2 or TLS")
                    .isEqualTo(-1);
        }
        ManagedChannel third = channel();
        assertThatThrownBy(() -> check(third))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(meters.get("tide.agent.connections.refused").counter().count())
                .isGreaterThanOrEqualTo(2);
        assertThat(limit.open()).isEqualTo(2);

        first.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        await().atMost(Duration.ofSeconds(5)).until(() -> limit.open() == 1);
        assertThat(check(channel())).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(limit.open()).isEqualTo(2);
    }

    @Test
    void connectionsTheControlPlaneDialledItselfTakePlacesToo() throws Exception {
        AgentConnectionLimit limit = start(3);
        java.util.concurrent.atomic.AtomicInteger dialled = new java.util.concurrent.atomic.AtomicInteger(2);
        limit.countOutbound(dialled::get);
        ManagedChannel first = channel();
        assertThat(check(first)).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        ManagedChannel second = channel();
        assertThatThrownBy(() -> check(second))
                .as("two push sessions and one accepted connection fill a limit of 3")
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
        assertThat(limit.open()).isEqualTo(1);

        dialled.set(1); // a push session closed
        assertThat(check(channel())).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
        assertThat(limit.open()).isEqualTo(2);
    }

    @Test
    void theDefaultLimitLeavesAReserveOfTheDescriptorLimit() {
        assertThat(AgentConnectionLimit.fromDescriptorLimit(20_000)).isEqualTo(18_000);
        assertThat(AgentConnectionLimit.fromDescriptorLimit(65_536)).isEqualTo(58_983);
        assertThat(AgentConnectionLimit.fromDescriptorLimit(1_024)).isEqualTo(512);
        assertThat(AgentConnectionLimit.fromDescriptorLimit(-1))
                .as("no Unix limit known")
                .isEqualTo(60_000);
        assertThat(AgentConnectionLimit.resolve(300)).as("configured").isEqualTo(300);
    }

    @Test
    void aLimitBelowOneIsRefused() {
        assertThatThrownBy(() -> new AgentConnectionLimit(0, meters, System::nanoTime))
                .hasMessageContaining("tide.delivery.max-agent-connections");
    }
}
