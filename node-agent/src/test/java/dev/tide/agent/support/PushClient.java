package dev.tide.agent.support;

import dev.tide.agent.HostPort;
import dev.tide.proto.agent.v1.AgentMessage;
import dev.tide.proto.agent.v1.AgentSessionGrpc;
import dev.tide.proto.agent.v1.ControlMessage;
import dev.tide.security.KeyMaterial;
import dev.tide.security.PeerTrustManager;
import dev.tide.security.ReloadableKeyManager;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.net.ssl.SSLException;

/**
 * Plays the control plane's push dispatcher: opens a session on an agent's listener over mutual
 * TLS, presenting the given key material (the control plane's, or an impostor's).
 */
public final class PushClient implements AutoCloseable {
    private final ManagedChannel channel;
    private final BlockingQueue<AgentMessage> received = new LinkedBlockingQueue<>();
    private final StreamObserver<ControlMessage> requests;
    private volatile Status closedWith;

    public PushClient(HostPort agent) throws SSLException {
        this(agent, FakeControlPlane.controlPlaneIdentity());
    }

    public PushClient(HostPort agent, KeyMaterial presented) throws SSLException {
        this(agent, presented, 0);
    }

    /** A session of a control-plane replica that holds the node's push lease at {@code leaseEpoch}. */
    public static PushClient withLeaseEpoch(HostPort agent, long leaseEpoch) throws SSLException {
        return new PushClient(agent, FakeControlPlane.controlPlaneIdentity(), leaseEpoch);
    }

    private PushClient(HostPort agent, KeyMaterial presented, long leaseEpoch) throws SSLException {
        io.grpc.Metadata headers = new io.grpc.Metadata();
        if (leaseEpoch > 0) {
            headers.put(
                    io.grpc.Metadata.Key.of("tide-lease-epoch", io.grpc.Metadata.ASCII_STRING_MARSHALLER),
                    Long.toString(leaseEpoch));
        }
        channel = NettyChannelBuilder.forAddress(agent.host(), agent.port())
                .sslContext(GrpcSslContexts.forClient()
                        .keyManager(new ReloadableKeyManager(presented))
                        .trustManager(PeerTrustManager.anyNode(FakeControlPlane.CA::certificate, Clock.systemUTC()))
                        .build())
                .build();
        requests = AgentSessionGrpc.newStub(channel)
                .withInterceptors(io.grpc.stub.MetadataUtils.newAttachHeadersInterceptor(headers))
                .session(new StreamObserver<>() {
                    @Override
                    public void onNext(AgentMessage message) {
                        received.add(message);
                    }

                    @Override
                    public void onError(Throwable t) {
                        closedWith = Status.fromThrowable(t);
                    }

                    @Override
                    public void onCompleted() {
                        closedWith = Status.OK;
                    }
                });
    }

    public void send(ControlMessage message) {
        requests.onNext(message);
    }

    /** The next message matching, skipping others; fails after the timeout. */
    public AgentMessage next(Predicate<AgentMessage> wanted, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = end - System.nanoTime();
            AgentMessage m = received.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (m == null) {
                throw new AssertionError(
                        "no matching message within " + timeout + " (session status " + closedWith + ")");
            }
            if (wanted.test(m)) {
                return m;
            }
        }
    }

    /** How the agent ended the session; null while open. */
    public Status closedWith() {
        return closedWith;
    }

    public void cancel() {
        requests.onError(Status.CANCELLED.asRuntimeException());
    }

    @Override
    public void close() throws InterruptedException {
        try {
            requests.onCompleted();
        } catch (RuntimeException e) {
            // already closed
        }
        channel.shutdownNow();
        channel.awaitTermination(5, TimeUnit.SECONDS);
    }
}
