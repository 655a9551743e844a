package dev.tide.controlplane.delivery;

import io.grpc.netty.NettyServerBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.OpenSsl;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.grpc.server.ServerBuilderCustomizer;

/**
 * The agent-facing gRPC server's limits for a restart storm: a bounded TLS handshake (grpc-java
 * waits 120 s by default, and ten thousand clients that gave up and dialled again held twice the
 * file descriptors the process may open), a cap on open connections below the file-descriptor
 * limit ({@link AgentConnectionLimit}), and the identity and desired-state caches loaded before
 * the server accepts its first agent.
 */
@Configuration(proxyBeanMethods = false)
class AgentServerConfiguration {
    private static final Logger log = LoggerFactory.getLogger(AgentServerConfiguration.class);

    /**
     * The server's own event loops: grpc-java takes a channel factory (here the one that caps
     * connections) only together with both groups. Named and sized as grpc-java's defaults are, and
     * shut down after the server has stopped.
     */
    static final class AgentServerEventLoops implements AutoCloseable {
        final EventLoopGroup boss = new MultiThreadIoEventLoopGroup(
                1, new DefaultThreadFactory("grpc-nio-boss-ELG", true), NioIoHandler.newFactory());
        final EventLoopGroup workers = new MultiThreadIoEventLoopGroup(
                0, new DefaultThreadFactory("grpc-nio-worker-ELG", true), NioIoHandler.newFactory());

        @Override
        public void close() {
            boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        }
    }

    @Bean
    AgentServerEventLoops agentServerEventLoops() {
        return new AgentServerEventLoops();
    }

    @Bean
    AgentConnectionLimit agentConnectionLimit(DeliveryProperties properties, MeterRegistry meters) {
        AgentConnectionLimit limit = new AgentConnectionLimit(
                AgentConnectionLimit.resolve(properties.maxAgentConnections()), meters, System::nanoTime);
        log.info("Agent connections held open at most: {}", limit.limit());
        return limit;
    }

    @Bean
    ServerBuilderCustomizer<NettyServerBuilder> agentConnectionCap(
            AgentServerEventLoops loops, AgentConnectionLimit limit) {
        return builder -> builder.bossEventLoopGroup(loops.boss)
                .workerEventLoopGroup(loops.workers)
                .channelFactory(() -> new LimitedServerSocketChannel(limit));
    }

    @Bean
    ServerBuilderCustomizer<NettyServerBuilder> agentHandshakeTimeout(DeliveryProperties properties) {
        if (OpenSsl.isAvailable()) {
            log.info("TLS with agents: {} (netty-tcnative)", OpenSsl.versionString());
        } else {
            log.warn(
                    "TLS with agents: the JDK's provider; BoringSSL (netty-tcnative) is not available on this"
                            + " platform ({}). Handshakes cost several times more CPU.",
                    OpenSsl.unavailabilityCause() == null
                            ? "unknown"
                            : OpenSsl.unavailabilityCause().toString());
        }
        return builder -> builder.handshakeTimeout(properties.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Starts just before the gRPC server (phase {@code Integer.MAX_VALUE}). */
    @Bean
    SmartLifecycle agentCachesWarmUp(DesiredStateCache cache, NodeIdentityCache identities) {
        return new SmartLifecycle() {
            private volatile boolean running;

            @Override
            public void start() {
                long started = System.nanoTime();
                int known = identities.warmUp();
                int loaded = cache.warmUp();
                log.info(
                        "Loaded the identity of {} node(s) and the desired state of {} in {} ms before accepting"
                                + " agents",
                        known,
                        loaded,
                        (System.nanoTime() - started) / 1_000_000);
                running = true;
            }

            @Override
            public void stop() {
                running = false;
            }

            @Override
            public boolean isRunning() {
                return running;
            }

            @Override
            public int getPhase() {
                return Integer.MAX_VALUE - 1000;
            }
        };
    }
}
