package dev.tide.controlplane.delivery;

import com.google.protobuf.ByteString;
import dev.tide.controlplane.pki.ControlPlanePki;
import dev.tide.proto.agent.v1.AgentGatewayGrpc;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.AppStatus;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.EnrollRequest;
import dev.tide.proto.agent.v1.EnrollResponse;
import dev.tide.proto.agent.v1.GetDesiredStateRequest;
import dev.tide.proto.agent.v1.GetDesiredStateResponse;
import dev.tide.proto.agent.v1.StatusReport;
import dev.tide.security.Csr;
import dev.tide.security.KeyMaterial;
import dev.tide.security.PeerTrustManager;
import dev.tide.security.Pem;
import dev.tide.security.ReloadableKeyManager;
import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.netty.handler.ssl.SslContextBuilder;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;

/**
 * Talks to the control plane's gRPC port as agents do: mutual TLS, with keys made here and
 * certificates from the control plane's CA, and only the control plane trusted. Enrolls over a
 * connection without a client certificate, then keeps one channel per node that presents the
 * node's certificate.
 */
final class AgentChannels implements AutoCloseable {
    private final String target;
    private final ControlPlanePki pki;
    private final ManagedChannel anonymous;
    private final Map<String, ManagedChannel> byNode = new ConcurrentHashMap<>();
    private final Map<String, KeyMaterial> materials = new ConcurrentHashMap<>();
    private final List<ManagedChannel> others = new CopyOnWriteArrayList<>();

    AgentChannels(int port, ControlPlanePki pki) {
        this.target = "127.0.0.1:" + port;
        this.pki = pki;
        this.anonymous = open(null);
    }

    /** A channel that presents no certificate: only Enroll may be called on it. */
    ManagedChannel anonymous() {
        return anonymous;
    }

    /**
     * Enrolls with a fresh key, and keeps a channel presenting the node's certificate. A request
     * that carries its own CSR is sent as it is, and gets no channel (its key is not known here).
     */
    EnrollResponse enroll(EnrollRequest.Builder request) {
        KeyPair keys = KeyMaterial.generateKeyPair();
        boolean ownKey = request.getCsr().isEmpty();
        EnrollRequest sent = ownKey
                ? request.setCsr(ByteString.copyFrom(Csr.create(keys, request.getName())))
                        .build()
                : request.build();
        EnrollResponse response = AgentGatewayGrpc.newBlockingStub(anonymous)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .enroll(sent);
        if (ownKey) {
            try {
                KeyMaterial material =
                        new KeyMaterial(keys.getPrivate(), Pem.parseCertificates(response.getCertificateChainPem()));
                materials.put(response.getNodeId(), material);
                ManagedChannel old = byNode.put(response.getNodeId(), open(material));
                if (old != null) {
                    old.shutdownNow();
                }
            } catch (CertificateException e) {
                throw new AssertionError("the control plane answered with an unreadable certificate", e);
            }
        }
        return response;
    }

    EnrollResponse enroll(String token, String name) {
        return enroll(EnrollRequest.newBuilder().setToken(token).setName(name).putLabels("port", "8080"));
    }

    /** The node's own channel (its certificate). */
    ManagedChannel channel(EnrollResponse node) {
        ManagedChannel channel = byNode.get(node.getNodeId());
        if (channel == null) {
            throw new AssertionError("node " + node.getNodeId() + " was not enrolled through these channels");
        }
        return channel;
    }

    /** The gateway as the node calls it, with a 10 s deadline. */
    AgentGatewayGrpc.AgentGatewayBlockingStub gateway(EnrollResponse node) {
        return AgentGatewayGrpc.newBlockingStub(channel(node)).withDeadlineAfter(10, TimeUnit.SECONDS);
    }

    /** A long-poll for the node's desired state, answered when it completes. */
    CompletableFuture<GetDesiredStateResponse> watch(EnrollResponse node, long known, int waitSeconds) {
        return watch(node, request(node, known, waitSeconds));
    }

    CompletableFuture<GetDesiredStateResponse> watch(EnrollResponse node, GetDesiredStateRequest request) {
        CompletableFuture<GetDesiredStateResponse> answer = new CompletableFuture<>();
        AgentGatewayGrpc.newStub(channel(node))
                .withDeadlineAfter(request.getWaitSeconds() + 10, TimeUnit.SECONDS)
                .getDesiredState(request, new StreamObserver<>() {
                    @Override
                    public void onNext(GetDesiredStateResponse value) {
                        answer.complete(value);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {}
                });
        return answer;
    }

    static GetDesiredStateRequest request(EnrollResponse node, long known, int wait) {
        return GetDesiredStateRequest.newBuilder()
                .setNodeId(node.getNodeId())
                .setKnownGeneration(known)
                .setWaitSeconds(wait)
                .build();
    }

    KeyMaterial material(EnrollResponse node) {
        return materials.get(node.getNodeId());
    }

    /** A channel presenting any key material (another CA's, an expired certificate...). */
    ManagedChannel presenting(KeyMaterial material) {
        ManagedChannel channel = open(material);
        others.add(channel);
        return channel;
    }

    private ManagedChannel open(KeyMaterial material) {
        try {
            SslContextBuilder tls = GrpcSslContexts.forClient()
                    .trustManager(PeerTrustManager.controlPlane(pki::caCertificate, Clock.systemUTC()));
            if (material != null) {
                tls.keyManager(new ReloadableKeyManager(material));
            }
            return NettyChannelBuilder.forTarget(target).sslContext(tls.build()).build();
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        anonymous.shutdownNow();
        byNode.values().forEach(ManagedChannel::shutdownNow);
        others.forEach(ManagedChannel::shutdownNow);
        anonymous.awaitTermination(5, TimeUnit.SECONDS);
    }

    /**
     * A pull agent's report that it applied {@code state}'s generation and runs its first
     * application at 1.0.0, healthy; add events before building it.
     */
    static StatusReport.Builder healthyReport(String nodeId, dev.tide.proto.agent.v1.DesiredState state) {
        return StatusReport.newBuilder()
                .setNodeId(nodeId)
                .setAppliedGeneration(state.getGeneration())
                .setMode(DeliveryMode.PULL)
                .addApplications(AppStatus.newBuilder()
                        .setApplication(state.getApplications(0).getApplication())
                        .setVersion("1.0.0")
                        .setReleaseId(state.getApplications(0).getReleaseId())
                        .setState(AppState.HEALTHY));
    }
}
