package dev.tide.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.security.ca.CertificateAuthority;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TrustTests {
    private final Clock clock = Clock.systemUTC();
    private final CertificateAuthority ca = CertificateAuthority.generate("Tide test CA", Duration.ofDays(30), clock);
    private final KeyMaterial controlPlane = ca.issueWithNewKey(
            PeerIdentity.controlPlane(), "control plane", List.of("localhost", "127.0.0.1"), Duration.ofDays(1));

    @Test
    void aNodeKeyStaysOnTheNodeOnlyItsRequestTravels() throws Exception {
        KeyPair keys = KeyMaterial.generateKeyPair();
        byte[] csr = Csr.create(keys, "web-1");

        PublicKey requested = CertificateAuthority.verifyRequest(csr);
        UUID id = UUID.randomUUID();
        List<X509Certificate> chain =
                ca.issue(requested, PeerIdentity.node(id), "web-1", List.of(), Duration.ofHours(1));

        assertThat(requested).isEqualTo(keys.getPublic());
        assertThat(PeerIdentity.of(chain.get(0))).contains(PeerIdentity.node(id));
        PeerTrustManager.anyNode(ca::certificate, clock)
                .checkClientTrusted(chain.toArray(X509Certificate[]::new), "EC");
    }

    @Test
    void aTamperedRequestIsRefused() {
        byte[] csr = Csr.create(KeyMaterial.generateKeyPair(), "web-1");
        csr[40] ^= 1;

        assertThatThrownBy(() -> CertificateAuthority.verifyRequest(csr))
                .isInstanceOf(CertificateAuthority.InvalidRequestException.class);
        assertThatThrownBy(() -> CertificateAuthority.verifyRequest(new byte[] {1, 2, 3}))
                .hasMessageContaining("not a DER PKCS#10");
    }

    @Test
    void aNodeCertificateCannotPoseAsTheControlPlane() {
        List<X509Certificate> node = ca.issue(
                KeyMaterial.generateKeyPair().getPublic(),
                PeerIdentity.node(UUID.randomUUID()),
                "n",
                List.of(),
                Duration.ofHours(1));

        assertThatThrownBy(() -> PeerTrustManager.controlPlane(ca::certificate, clock)
                        .checkServerTrusted(node.toArray(X509Certificate[]::new), "EC"))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("not the control plane");
    }

    @Test
    void anotherCaIsRefused() {
        CertificateAuthority other = CertificateAuthority.generate("other", Duration.ofDays(1), clock);
        KeyMaterial impostor = other.issueWithNewKey(PeerIdentity.controlPlane(), "cp", List.of(), Duration.ofHours(1));

        assertThatThrownBy(() -> PeerTrustManager.controlPlane(ca::certificate, clock)
                        .checkServerTrusted(impostor.chain().toArray(X509Certificate[]::new), "EC"))
                .hasMessageContaining("not valid under the Tide CA");
    }

    @Test
    void thePinFromTheTokenSelectsTheCaAndTheAgentKeepsIt() throws Exception {
        AtomicReference<X509Certificate> pinned = new AtomicReference<>();
        String pin = Fingerprints.sha256(ca.certificate());

        PeerTrustManager.pinnedControlPlane(pin, pinned::set, clock)
                .checkServerTrusted(controlPlane.chain().toArray(X509Certificate[]::new), "EC");

        assertThat(pinned.get()).isEqualTo(ca.certificate());
        CertificateAuthority other = CertificateAuthority.generate("other", Duration.ofDays(1), clock);
        KeyMaterial impostor = other.issueWithNewKey(PeerIdentity.controlPlane(), "cp", List.of(), Duration.ofHours(1));
        assertThatThrownBy(() -> PeerTrustManager.pinnedControlPlane(pin, c -> {}, clock)
                        .checkServerTrusted(impostor.chain().toArray(X509Certificate[]::new), "EC"))
                .hasMessageContaining("does not match the fingerprint");
    }

    @Test
    void anExpiredCertificateIsRefused() {
        Clock later = Clock.fixed(Instant.now().plus(Duration.ofHours(2)), ZoneOffset.UTC);

        assertThatThrownBy(() -> PeerTrustManager.controlPlane(ca::certificate, later)
                        .checkServerTrusted(
                                ca.issueWithNewKey(PeerIdentity.controlPlane(), "cp", List.of(), Duration.ofHours(1))
                                        .chain()
                                        .toArray(X509Certificate[]::new),
                                "EC"))
                .hasMessageContaining("not valid");
    }

    @Test
    void aChainIsVerifiedOnceThenItsDatesAndIdentityAreCheckedEveryTime() throws Exception {
        MovableClock now = new MovableClock(Instant.now());
        PeerTrustManager nodes = PeerTrustManager.anyNode(ca::certificate, now);
        X509Certificate[] node = nodeChain(ca, Duration.ofHours(1));

        nodes.checkClientTrusted(node, "EC");
        nodes.checkClientTrusted(node, "EC");
        nodes.checkClientTrusted(node.clone(), "EC");
        assertThat(nodes.signatureChecks()).as("signatures verified").isEqualTo(1);

        nodes.checkClientTrusted(nodeChain(ca, Duration.ofHours(1)), "EC");
        assertThat(nodes.signatureChecks())
                .as("another node's chain is verified in full")
                .isEqualTo(2);

        now.set(now.instant().plus(Duration.ofHours(2)));
        assertThatThrownBy(() -> nodes.checkClientTrusted(node, "EC"))
                .as("a known chain that has expired")
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("not valid");
    }

    @Test
    void aKnownChainIsRefusedOnceTheCaChanges() throws Exception {
        AtomicReference<X509Certificate> anchor = new AtomicReference<>(ca.certificate());
        PeerTrustManager nodes = PeerTrustManager.anyNode(anchor::get, clock);
        X509Certificate[] node = nodeChain(ca, Duration.ofHours(1));
        nodes.checkClientTrusted(node, "EC");

        anchor.set(CertificateAuthority.generate("rotated", Duration.ofDays(1), clock)
                .certificate());

        assertThatThrownBy(() -> nodes.checkClientTrusted(node, "EC"))
                .hasMessageContaining("not valid under the Tide CA");
        assertThat(nodes.signatureChecks()).isEqualTo(2);
    }

    @Test
    void aRefusedChainIsNotRemembered() {
        CertificateAuthority other = CertificateAuthority.generate("other", Duration.ofDays(1), clock);
        X509Certificate[] impostor = nodeChain(other, Duration.ofHours(1));
        PeerTrustManager nodes = PeerTrustManager.anyNode(ca::certificate, clock);

        for (int attempt = 0; attempt < 2; attempt++) {
            assertThatThrownBy(() -> nodes.checkClientTrusted(impostor, "EC"))
                    .hasMessageContaining("not valid under the Tide CA");
        }
        assertThat(nodes.signatureChecks()).isEqualTo(2);

        X509Certificate[] knownNodeAsControlPlane = nodeChain(ca, Duration.ofHours(1));
        PeerTrustManager controlPlanes = PeerTrustManager.controlPlane(ca::certificate, clock);
        for (int attempt = 0; attempt < 2; attempt++) {
            assertThatThrownBy(() -> controlPlanes.checkServerTrusted(knownNodeAsControlPlane, "EC"))
                    .as("the identity is checked on every connection, the signatures only once")
                    .hasMessageContaining("not the control plane");
        }
    }

    private static X509Certificate[] nodeChain(CertificateAuthority issuer, Duration lifetime) {
        return issuer.issue(
                        KeyMaterial.generateKeyPair().getPublic(),
                        PeerIdentity.node(UUID.randomUUID()),
                        "n",
                        List.of(),
                        lifetime)
                .toArray(X509Certificate[]::new);
    }

    /** A clock a test moves forward. */
    private static final class MovableClock extends Clock {
        private volatile Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        void set(Instant now) {
            this.now = now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    @Test
    void renewalIsDueWhenAThirdOfTheLifetimeIsLeft() {
        KeyMaterial m = ca.issueWithNewKey(PeerIdentity.controlPlane(), "cp", List.of(), Duration.ofHours(3));
        Instant start = m.notBefore();
        Duration lifetime = Duration.between(start, m.notAfter());

        assertThat(m.dueForRenewal(start.plus(lifetime.dividedBy(2)))).isFalse();
        assertThat(m.dueForRenewal(start.plus(lifetime.multipliedBy(3).dividedBy(4))))
                .isTrue();
    }

    @Test
    void pemRoundTrips() throws Exception {
        assertThat(Pem.parseCertificates(Pem.certificates(controlPlane.chain())))
                .isEqualTo(controlPlane.chain());
        assertThat(Pem.parsePrivateKey(Pem.privateKey(controlPlane.privateKey())))
                .isEqualTo(controlPlane.privateKey());
    }

    @Test
    void theTokenCarriesTheCaFingerprint() {
        String pin = Fingerprints.sha256(ca.certificate());
        EnrollmentToken token = EnrollmentToken.parse("tide_et_abc-DEF_123." + pin);

        assertThat(token.secret()).isEqualTo("tide_et_abc-DEF_123");
        assertThat(token.caFingerprint()).contains(pin);
        assertThat(EnrollmentToken.parse("tide_et_abc").caFingerprint()).isEmpty();
        assertThatThrownBy(() -> EnrollmentToken.parse("tide_et_abc.short"))
                .hasMessageContaining("CA's SHA-256 fingerprint");
        assertThat(token.toString()).doesNotContain("abc");
    }

    @Test
    void identitiesParseStrictly() {
        UUID id = UUID.randomUUID();
        assertThat(PeerIdentity.parse("urn:tide:node:" + id)).contains(PeerIdentity.node(id));
        assertThat(PeerIdentity.parse("urn:tide:node:" + id.toString().toUpperCase()))
                .isEmpty();
        assertThat(PeerIdentity.parse("urn:tide:control-plane")).contains(PeerIdentity.controlPlane());
        assertThat(PeerIdentity.parse("https://evil")).isEmpty();
    }
}
