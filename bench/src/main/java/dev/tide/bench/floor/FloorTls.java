package dev.tide.bench.floor;

import dev.tide.security.KeyMaterial;
import dev.tide.security.PeerIdentity;
import dev.tide.security.Pem;
import dev.tide.security.ReloadableKeyManager;
import dev.tide.security.ca.CertificateAuthority;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * The floor over TLS as Tide speaks it: a CA made for the run, the server's certificate (EC P-256,
 * naming the control plane) under it, TLS 1.3 on the JDK's provider as the control plane runs it,
 * and the CA written to a file for the client JVMs.
 */
record FloorTls(KeyMaterial server, Path caFile) {
    static FloorTls create(Path dir) throws IOException {
        CertificateAuthority ca = CertificateAuthority.generate("floor CA", Duration.ofDays(1), Clock.systemUTC());
        KeyMaterial server = ca.issueWithNewKey(
                PeerIdentity.controlPlane(), "floor server", List.of("127.0.0.1"), Duration.ofDays(1));
        Path caFile = dir.resolve("floor-ca.pem");
        Files.writeString(caFile, Pem.certificates(List.of(ca.certificate())), StandardCharsets.US_ASCII);
        return new FloorTls(server, caFile);
    }

    SslContext serverContext() throws SSLException {
        // The JDK's TLS, as the control plane has it (its unshaded Netty carries no BoringSSL); the
        // clients use what agents use (grpc-netty-shaded's default).
        return GrpcSslContexts.configure(SslContextBuilder.forServer(new ReloadableKeyManager(server)), SslProvider.JDK)
                .build();
    }
}
