package dev.tide.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.security.ca.CertificateAuthority;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;

/** A real TLS 1.3 handshake on the JDK's provider with Tide's key and trust managers on both ends. */
class HandshakeTests {
    private final Clock clock = Clock.systemUTC();
    private final CertificateAuthority ca = CertificateAuthority.generate("ca", Duration.ofDays(1), clock);

    @Test
    void bothEndsProveWhoTheyAreWhenTheClientCertificateIsOptional() throws Exception {
        KeyMaterial server = ca.issueWithNewKey(PeerIdentity.controlPlane(), "cp", List.of(), Duration.ofHours(1));
        UUID id = UUID.randomUUID();
        KeyMaterial node = ca.issueWithNewKey(PeerIdentity.node(id), "n", List.of(), Duration.ofHours(1));
        SSLContext serverContext =
                context(new ReloadableKeyManager(server), PeerTrustManager.anyNode(ca::certificate, clock));
        SSLContext clientContext =
                context(new ReloadableKeyManager(node), PeerTrustManager.controlPlane(ca::certificate, clock));

        try (SSLServerSocket listener =
                (SSLServerSocket) serverContext.getServerSocketFactory().createServerSocket(0)) {
            listener.setWantClientAuth(true);
            CompletableFuture<X509Certificate> seen = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket accepted = (SSLSocket) listener.accept()) {
                    InputStream in = accepted.getInputStream();
                    in.read();
                    return (X509Certificate) accepted.getSession().getPeerCertificates()[0];
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            try (SSLSocket client =
                    (SSLSocket) clientContext.getSocketFactory().createSocket("127.0.0.1", listener.getLocalPort())) {
                OutputStream out = client.getOutputStream();
                out.write(1);
                out.flush();
                assertThat(PeerIdentity.of(seen.get(10, TimeUnit.SECONDS))).contains(PeerIdentity.node(id));
            }
        }
    }

    private static SSLContext context(KeyManager keys, TrustManager trust) throws Exception {
        SSLContext context = SSLContext.getInstance("TLSv1.3");
        context.init(new KeyManager[] {keys}, new TrustManager[] {trust}, null);
        return context;
    }
}
