package dev.tide.controlplane.delivery;

import com.google.protobuf.Timestamp;
import dev.tide.controlplane.pki.ControlPlanePki;
import dev.tide.proto.agent.v1.AgentMessage;
import dev.tide.proto.agent.v1.AgentSessionGrpc;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.AppStatus;
import dev.tide.proto.agent.v1.ControlMessage;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.DesiredState;
import dev.tide.proto.agent.v1.Event;
import dev.tide.proto.agent.v1.EventType;
import dev.tide.proto.agent.v1.Hello;
import dev.tide.proto.agent.v1.Pong;
import dev.tide.proto.agent.v1.StatusReport;
import dev.tide.security.KeyMaterial;
import dev.tide.security.PeerTrustManager;
import dev.tide.security.ReloadableKeyManager;
import io.grpc.Server;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * The agent end of a push session, inside the test: listens with the node's certificate for the
 * control plane only (as the agent's push server does), says Hello, and answers each Apply with
 * one report that every application in it was delivered, applied and became healthy. It never
 * asks for artifact bytes, so nothing is unpacked or run.
 */
final class FakePushAgent implements AutoCloseable {
    private final ReloadableKeyManager keys = new ReloadableKeyManager();
    private final Server server;
    private volatile String nodeId = "";
    private static final io.grpc.Metadata.Key<String> EPOCH_HEADER =
            io.grpc.Metadata.Key.of("tide-lease-epoch", io.grpc.Metadata.ASCII_STRING_MARSHALLER);
    private static final io.grpc.Context.Key<Long> EPOCH = io.grpc.Context.key("epoch");
    /** The lease epoch of every session accepted, in order. */
    final java.util.List<Long> epochs = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Sessions open now: more than one means two replicas dial this node. */
    final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
    /** The most sessions ever open at once. */
    final java.util.concurrent.atomic.AtomicInteger mostOpen = new java.util.concurrent.atomic.AtomicInteger();

    private long highestEpoch;

    FakePushAgent(ControlPlanePki pki) throws IOException {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                .sslContext(GrpcSslContexts.configure(SslContextBuilder.forServer(keys))
                        .trustManager(PeerTrustManager.controlPlane(pki::caCertificate, Clock.systemUTC()))
                        .clientAuth(ClientAuth.REQUIRE)
                        .build())
                .addService(io.grpc.ServerInterceptors.intercept(new Session(), new io.grpc.ServerInterceptor() {
                    @Override
                    public <Q, R> io.grpc.ServerCall.Listener<Q> interceptCall(
                            io.grpc.ServerCall<Q, R> call,
                            io.grpc.Metadata headers,
                            io.grpc.ServerCallHandler<Q, R> next) {
                        String epoch = headers.get(EPOCH_HEADER);
                        return io.grpc.Contexts.interceptCall(
                                io.grpc.Context.current().withValue(EPOCH, epoch == null ? 0 : Long.parseLong(epoch)),
                                call,
                                headers,
                                next);
                    }
                }))
                .build()
                .start();
    }

    /** Where the agent listens: what it enrolls with as its push endpoint. */
    String endpoint() {
        return "127.0.0.1:" + server.getPort();
    }

    /** The node it is, once enrolled; until then every handshake fails (no certificate yet). */
    void enrolled(String nodeId, KeyMaterial material) {
        this.nodeId = nodeId;
        keys.set(material);
    }

    private final class Session extends AgentSessionGrpc.AgentSessionImplBase {
        @Override
        public StreamObserver<ControlMessage> session(StreamObserver<AgentMessage> out) {
            long epoch = EPOCH.get();
            synchronized (FakePushAgent.this) {
                if (epoch < highestEpoch) { // as the agent's LeaseFence does
                    out.onError(io.grpc.Status.FAILED_PRECONDITION
                            .withDescription(
                                    "stale lease epoch " + epoch + ": this agent follows epoch " + highestEpoch)
                            .asRuntimeException());
                    return new StreamObserver<>() {
                        @Override
                        public void onNext(ControlMessage value) {}

                        @Override
                        public void onError(Throwable t) {}

                        @Override
                        public void onCompleted() {}
                    };
                }
                highestEpoch = epoch;
                epochs.add(epoch);
                mostOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
            }
            synchronized (out) {
                out.onNext(AgentMessage.newBuilder()
                        .setHello(Hello.newBuilder()
                                .setNodeId(nodeId)
                                .setMode(DeliveryMode.PUSH)
                                .setLeaseEpoch(epoch))
                        .build());
            }
            java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
            Runnable end = () -> {
                if (ended.compareAndSet(false, true)) {
                    open.decrementAndGet();
                }
            };
            return new StreamObserver<>() {
                @Override
                public void onNext(ControlMessage message) {
                    AgentMessage answer = switch (message.getKindCase()) {
                        case APPLY ->
                            AgentMessage.newBuilder()
                                    .setStatus(
                                            healthy(nodeId, message.getApply().getState(), DeliveryMode.PUSH))
                                    .build();
                        case PING ->
                            AgentMessage.newBuilder()
                                    .setPong(Pong.newBuilder()
                                            .setNonce(message.getPing().getNonce()))
                                    .build();
                        default -> null;
                    };
                    if (answer != null) {
                        synchronized (out) {
                            out.onNext(answer);
                        }
                    }
                }

                @Override
                public void onError(Throwable t) {
                    end.run();
                }

                @Override
                public void onCompleted() {
                    end.run();
                    synchronized (out) {
                        out.onCompleted();
                    }
                }
            };
        }
    }

    /** The epoch of the newest session accepted; 0 before any. */
    long lastEpoch() {
        return epochs.isEmpty() ? 0 : epochs.get(epochs.size() - 1);
    }

    /**
     * What an agent reports once it applied {@code state} and found every application healthy:
     * the full state and the three events of each, stamped now.
     */
    static StatusReport healthy(String nodeId, DesiredState state, DeliveryMode mode) {
        Instant now = Instant.now();
        StatusReport.Builder report = StatusReport.newBuilder()
                .setNodeId(nodeId)
                .setAppliedGeneration(state.getGeneration())
                .setMode(mode);
        for (AppRelease app : state.getApplicationsList()) {
            report.addApplications(AppStatus.newBuilder()
                    .setApplication(app.getApplication())
                    .setVersion(app.getVersion())
                    .setReleaseId(app.getReleaseId())
                    .setState(AppState.HEALTHY));
            for (EventType type : new EventType[] {EventType.DELIVERED, EventType.APPLIED, EventType.BECAME_HEALTHY}) {
                report.addEvents(Event.newBuilder()
                        .setGeneration(state.getGeneration())
                        .setApplication(app.getApplication())
                        .setVersion(app.getVersion())
                        .setType(type)
                        .setAt(Timestamp.newBuilder()
                                .setSeconds(now.getEpochSecond())
                                .setNanos(now.getNano())));
            }
        }
        return report.build();
    }

    @Override
    public void close() throws InterruptedException {
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
    }
}
