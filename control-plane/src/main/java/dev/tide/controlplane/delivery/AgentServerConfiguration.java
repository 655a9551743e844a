package dev.tide.controlplane.delivery;

import io.grpc.netty.NettyServerBuilder;
import io.netty.handler.ssl.OpenSsl;
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
 * file descriptors the process may open), and the identity and desired-state caches loaded
 * before the server accepts its first agent.
 */
@Configuration(proxyBeanMethods = false)
class AgentServerConfiguration {
    private static final Logger log = LoggerFactory.getLogger(AgentServerConfiguration.class);

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
