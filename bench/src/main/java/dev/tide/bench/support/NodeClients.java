package dev.tide.bench.support;

import com.google.protobuf.ByteString;
import dev.tide.proto.agent.v1.AgentGatewayGrpc;
import dev.tide.proto.agent.v1.EnrollRequest;
import dev.tide.proto.agent.v1.EnrollResponse;
import dev.tide.security.Csr;
import dev.tide.security.EnrollmentToken;
import dev.tide.security.KeyMaterial;
import dev.tide.security.PeerTrustManager;
import dev.tide.security.Pem;
import dev.tide.security.ReloadableKeyManager;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;

/**
 * Speaks to a control plane's gRPC port as an agent does, without being one: enrolls with a key
 * made here (trusting the CA the token pins), or borrows a real agent's key and certificate from
 * its data dir. For tests and benchmarks that call the protocol directly.
 */
public final class NodeClients {
    private NodeClients() {}

    /** An enrolled node: its id and a channel that presents its certificate. */
    public record NodeClient(String nodeId, ManagedChannel channel, KeyMaterial material) implements AutoCloseable {
        @Override
        public void close() {
            channel.shutdownNow();
        }
    }

    /** Enrolls {@code name} with {@code token} as the control plane shows it ({@code secret.fingerprint}). */
    public static NodeClient enroll(String target, String token, String name) throws IOException {
        EnrollmentToken parsed = EnrollmentToken.parse(token);
        String pin = parsed.caFingerprint().orElseThrow(() -> new IOException("the token carries no CA fingerprint"));
        AtomicReference<X509Certificate> ca = new AtomicReference<>();
        ManagedChannel anonymous =
                open(target, null, PeerTrustManager.pinnedControlPlane(pin, ca::set, Clock.systemUTC()));
        try {
            KeyPair keys = KeyMaterial.generateKeyPair();
            EnrollResponse response = AgentGatewayGrpc.newBlockingStub(anonymous)
                    .withDeadlineAfter(30, TimeUnit.SECONDS)
                    .enroll(EnrollRequest.newBuilder()
                            .setToken(parsed.secret())
                            .setName(name)
                            .setCsr(ByteString.copyFrom(Csr.create(keys, name)))
                            .build());
            KeyMaterial material =
                    new KeyMaterial(keys.getPrivate(), Pem.parseCertificates(response.getCertificateChainPem()));
            X509Certificate caCert =
                    Pem.parseCertificates(response.getCaCertificatePem()).get(0);
            return new NodeClient(
                    response.getNodeId(),
                    open(target, material, PeerTrustManager.controlPlane(() -> caCert, Clock.systemUTC())),
                    material);
        } catch (GeneralSecurityException e) {
            throw new IOException("the control plane answered with an unreadable certificate", e);
        } finally {
            anonymous.shutdownNow();
        }
    }

    /** A channel presenting the key and certificate a real agent keeps in {@code dataDir/tls}. */
    public static NodeClient of(String target, Path agentDataDir) throws IOException {
        try {
            Path tls = agentDataDir.resolve("tls");
            KeyMaterial material = new KeyMaterial(
                    Pem.parsePrivateKey(Files.readString(tls.resolve("node.key"), StandardCharsets.US_ASCII)),
                    Pem.parseCertificates(Files.readString(tls.resolve("node.crt"), StandardCharsets.US_ASCII)));
            X509Certificate ca = Pem.parseCertificates(
                            Files.readString(tls.resolve("ca.crt"), StandardCharsets.US_ASCII))
                    .get(0);
            String nodeId = material.identity().orElseThrow().nodeId().toString();
            return new NodeClient(
                    nodeId,
                    open(target, material, PeerTrustManager.controlPlane(() -> ca, Clock.systemUTC())),
                    material);
        } catch (GeneralSecurityException e) {
            throw new IOException("unreadable key or certificate in " + agentDataDir, e);
        }
    }

    private static ManagedChannel open(String target, KeyMaterial material, PeerTrustManager trust)
            throws SSLException {
        SslContextBuilder tls = GrpcSslContexts.forClient().trustManager(trust);
        if (material != null) {
            tls.keyManager(new ReloadableKeyManager(material));
        }
        return NettyChannelBuilder.forTarget(target).sslContext(tls.build()).build();
    }
}
