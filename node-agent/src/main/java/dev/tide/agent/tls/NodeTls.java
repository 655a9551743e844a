package dev.tide.agent.tls;

import dev.tide.agent.state.AtomicFiles;
import dev.tide.security.Csr;
import dev.tide.security.Fingerprints;
import dev.tide.security.KeyMaterial;
import dev.tide.security.PeerIdentity;
import dev.tide.security.PeerTrustManager;
import dev.tide.security.Pem;
import dev.tide.security.ReloadableKeyManager;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;

/**
 * The agent's side of mutual TLS: its key (generated here, never sent), its certificate, and the
 * CA it trusts, kept in {@code <data-dir>/tls/} (owner-only). It makes the TLS contexts for calls
 * to the control plane, for enrollment (trusting the CA by the token's fingerprint) and for the
 * push listener (which admits only the control plane's certificate). A renewed certificate is
 * presented by the next handshake.
 *
 * <p>A key waiting for its certificate is kept as {@code pending.key}, so an enrollment or a
 * renewal that is retried after a lost reply asks for the same key.
 */
public final class NodeTls {
    private final Path dir;
    private final Clock clock;
    private final ReloadableKeyManager keyManager = new ReloadableKeyManager();
    private final AtomicReference<X509Certificate> ca = new AtomicReference<>();

    private NodeTls(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
    }

    /** Loads what the data dir holds; an agent that has not enrolled yet holds nothing. */
    public static NodeTls load(Path dataDir, Clock clock) throws IOException {
        NodeTls tls = new NodeTls(dataDir.resolve("tls"), clock);
        Optional<String> caPem = tls.read("ca.crt");
        Optional<String> keyPem = tls.read("node.key");
        Optional<String> chainPem = tls.read("node.crt");
        try {
            if (caPem.isPresent()) {
                tls.ca.set(Pem.parseCertificates(caPem.get()).get(0));
            }
            if (keyPem.isPresent() && chainPem.isPresent()) {
                tls.keyManager.set(
                        new KeyMaterial(Pem.parsePrivateKey(keyPem.get()), Pem.parseCertificates(chainPem.get())));
            }
        } catch (GeneralSecurityException e) {
            throw new IOException(
                    tls.dir + " holds an unreadable key or certificate (" + e.getMessage()
                            + "); remove the data dir's identity.json and tls/ to enroll again",
                    e);
        }
        return tls;
    }

    /** True once the node has a certificate and a CA to check the control plane with. */
    public boolean enrolled() {
        return ca.get() != null && keyManager.current().isPresent();
    }

    public Optional<KeyMaterial> current() {
        return keyManager.current();
    }

    /** The node id the current certificate names. */
    public Optional<UUID> nodeId() {
        return keyManager
                .current()
                .flatMap(KeyMaterial::identity)
                .filter(PeerIdentity::isNode)
                .map(PeerIdentity::nodeId);
    }

    public boolean dueForRenewal() {
        return keyManager.current().map(m -> m.dueForRenewal(clock.instant())).orElse(false);
    }

    public Instant expiresAt() {
        return keyManager.current().map(KeyMaterial::notAfter).orElse(Instant.EPOCH);
    }

    /** A request for the pending key (made and saved first if there is none). */
    public byte[] certificateRequest(String nodeName) throws IOException {
        return Csr.create(pendingKey(), nodeName);
    }

    /**
     * Installs a certificate issued for the pending key, with the CA that issued it, and presents
     * it from the next handshake on. Refuses a certificate for any other key, or a CA other than
     * the one already trusted.
     */
    public void install(String chainPem, String caPem) throws IOException {
        try {
            List<X509Certificate> chain = Pem.parseCertificates(chainPem);
            X509Certificate issuer = caPem == null || caPem.isBlank()
                    ? ca.get()
                    : Pem.parseCertificates(caPem).get(0);
            if (issuer == null) {
                throw new CertificateException("no CA certificate came with it");
            }
            X509Certificate trusted = ca.get();
            if (trusted != null && !trusted.equals(issuer)) {
                throw new CertificateException("it comes from another CA than the one this agent trusts");
            }
            KeyPair pending = pendingKey();
            if (!chain.get(0).getPublicKey().equals(pending.getPublic())) {
                throw new CertificateException("it is not for this node's key");
            }
            KeyMaterial material = new KeyMaterial(pending.getPrivate(), chain);
            material.identity()
                    .filter(PeerIdentity::isNode)
                    .orElseThrow(() -> new CertificateException("it names no node identity"));
            write("ca.crt", Pem.certificates(List.of(issuer)));
            write("node.key", Pem.privateKey(pending.getPrivate()));
            write("node.crt", Pem.certificates(chain));
            Files.deleteIfExists(dir.resolve("pending.key"));
            ca.set(issuer);
            keyManager.set(material);
        } catch (CertificateException e) {
            throw new IOException("the control plane's certificate is unusable: " + e.getMessage(), e);
        }
    }

    /**
     * Checks that the CA the enrollment answer names is the one the token pinned; the handshake
     * already proved the control plane holds a certificate under it.
     */
    public static void checkPinned(String caPem, String pin) throws IOException {
        try {
            X509Certificate cert = Pem.parseCertificates(caPem).get(0);
            if (!Fingerprints.same(pin, Fingerprints.sha256(cert))) {
                throw new IOException("the control plane answered with a CA whose fingerprint is not the token's");
            }
        } catch (CertificateException e) {
            throw new IOException("the control plane answered with an unreadable CA certificate", e);
        }
    }

    /** For calls to the control plane: presents the node certificate, trusts only the control plane. */
    public SslContext clientContext() {
        try {
            return GrpcSslContexts.forClient()
                    .keyManager(keyManager)
                    .trustManager(PeerTrustManager.controlPlane(ca::get, clock))
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS to the control plane: " + e.getMessage(), e);
        }
    }

    /** For enrolling: no client certificate yet; the control plane must be under the pinned CA. */
    public SslContext enrollmentContext(String caPin) {
        try {
            return GrpcSslContexts.forClient()
                    .trustManager(PeerTrustManager.pinnedControlPlane(caPin, c -> {}, clock))
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS to the control plane: " + e.getMessage(), e);
        }
    }

    /** For the push listener: presents the node certificate, admits only the control plane. */
    public SslContext serverContext() {
        try {
            return GrpcSslContexts.configure(SslContextBuilder.forServer(keyManager))
                    .trustManager(PeerTrustManager.controlPlane(ca::get, clock))
                    .clientAuth(ClientAuth.REQUIRE)
                    .build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot set up TLS for push sessions: " + e.getMessage(), e);
        }
    }

    private KeyPair pendingKey() throws IOException {
        Optional<String> saved = read("pending.key");
        if (saved.isPresent()) {
            try {
                return new KeyPair(Pem.parsePublicKey(saved.get()), Pem.parsePrivateKey(saved.get()));
            } catch (GeneralSecurityException e) {
                Files.deleteIfExists(dir.resolve("pending.key")); // unreadable: make a new one
            }
        }
        KeyPair fresh = KeyMaterial.generateKeyPair();
        write("pending.key", Pem.privateKey(fresh.getPrivate()) + Pem.publicKey(fresh.getPublic()));
        return fresh;
    }

    private Optional<String> read(String name) throws IOException {
        try {
            return Optional.of(Files.readString(dir.resolve(name), StandardCharsets.US_ASCII));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private void write(String name, String content) throws IOException {
        AtomicFiles.createPrivateDirectory(dir);
        AtomicFiles.write(dir.resolve(name), content.getBytes(StandardCharsets.US_ASCII), true);
    }
}
