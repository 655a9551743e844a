package dev.tide.agent.transport;

import dev.tide.agent.HostPort;
import dev.tide.agent.apply.ArtifactCache;
import dev.tide.agent.state.LocalState;
import dev.tide.proto.agent.v1.CertificateIssued;
import io.grpc.Server;
import io.grpc.ServerStreamTracer;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's listener for push sessions ({@code --listen}): mutual TLS that presents the node's
 * certificate and admits only the control plane's. Accepts the control plane's keepalive pings
 * every 20s, also between calls, so an idle session survives middleboxes.
 */
public final class PushServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PushServer.class);

    private final Server server;
    private final SessionService service;

    public PushServer(
            HostPort listen,
            SslContext tls,
            Supplier<String> nodeId,
            BooleanSupplier ready,
            LocalState state,
            ScheduleState schedules,
            StatusReporter reporter,
            ArtifactCache cache,
            ServerStreamTracer.Factory tracer,
            ApplySubmitter submitter,
            Consumer<CertificateIssued> certificates) {
        this.service = new SessionService(
                nodeId,
                ready,
                state,
                schedules,
                reporter,
                new PushApplyHandler(state, cache, submitter, reporter),
                certificates);
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(listen.host(), listen.port()))
                .sslContext(tls);
        if (tracer != null) {
            builder.addStreamTracerFactory(tracer);
        }
        this.server = builder.addService(io.grpc.ServerInterceptors.intercept(service, LeaseFence.interceptor()))
                .permitKeepAliveTime(20, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .keepAliveTime(60, TimeUnit.SECONDS)
                .maxInboundMessageSize(16 * 1024 * 1024)
                .build();
    }

    public PushServer start() throws IOException {
        server.start();
        log.info("listening for push sessions on {}", address());
        return this;
    }

    /** Asks for a certificate over the open session; false when there is none. */
    public boolean requestCertificate(byte[] csr) {
        return service.requestCertificate(csr);
    }

    /** The bound address (the real port when listening on port 0). */
    public HostPort address() {
        InetSocketAddress bound = (InetSocketAddress) server.getListenSockets().get(0);
        return HostPort.of(bound);
    }

    @Override
    public void close() {
        service.closeCurrent();
        server.shutdown();
        try {
            if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
                server.shutdownNow();
                server.awaitTermination(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
