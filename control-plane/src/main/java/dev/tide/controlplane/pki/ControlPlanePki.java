package dev.tide.controlplane.pki;

import dev.tide.controlplane.system.SharedSecrets;
import dev.tide.controlplane.system.TideProperties;
import dev.tide.security.Fingerprints;
import dev.tide.security.KeyMaterial;
import dev.tide.security.PeerIdentity;
import dev.tide.security.PeerTrustManager;
import dev.tide.security.Pem;
import dev.tide.security.ReloadableKeyManager;
import dev.tide.security.ca.CertificateAuthority;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The control plane's CA and its own certificate. The CA is the operator's ({@code tide.pki.ca-*}
 * files, which every replica must be given) or Tide's own, generated on first start and kept in the
 * database ({@link SharedSecrets}), so that every replica on that database signs and trusts with the
 * same CA. An install from before kept its CA in {@code <data-dir>/pki/}: the first start after the
 * upgrade moves that CA into the database, so its agents stay trusted. The control plane's own
 * certificate (the identity {@code urn:tide:control-plane}) is issued per replica at start and
 * re-issued in place when a third of its lifetime is left; it serves agents' calls and dials push
 * sessions.
 */
@Component
public class ControlPlanePki {
    private static final Logger log = LoggerFactory.getLogger(ControlPlanePki.class);

    private final CertificateAuthority ca;
    private final PkiProperties properties;
    private final Clock clock;
    private final ReloadableKeyManager keyManager = new ReloadableKeyManager();
    private final String fingerprint;
    private final PeerTrustManager nodeTrust;

    /** The name of Tide's own CA (certificate, then key, PEM) in {@link SharedSecrets}. */
    static final String CA_SECRET = "agent-ca";

    public ControlPlanePki(
            PkiProperties properties, TideProperties tide, SharedSecrets secrets, Clock clock, MeterRegistry meters)
            throws IOException, GeneralSecurityException {
        this.properties = properties;
        this.clock = clock;
        this.ca = properties.caCert() != null
                ? load(properties.caCert(), properties.caKey(), clock)
                : shared(secrets, CA_SECRET, tide.dataDir().resolve("pki").toAbsolutePath(), properties, clock);
        this.fingerprint = Fingerprints.sha256(ca.certificate());
        this.nodeTrust = PeerTrustManager.anyNode(ca::certificate, clock);
        FunctionCounter.builder("tide.agent.certificate.checks", nodeTrust, PeerTrustManager::signatureChecks)
                .tag("chain", "verified")
                .description("agent certificate chains whose signatures were verified in full")
                .register(meters);
        FunctionCounter.builder("tide.agent.certificate.checks", nodeTrust, PeerTrustManager::knownChains)
                .tag("chain", "known")
                .description("agent certificate chains known from an earlier verification (dates checked)")
                .register(meters);
        issueOwn();
        log.info(
                "Agent CA {} (fingerprint {}); enrollment tokens carry this fingerprint",
                ca.certificate().getSubjectX500Principal().getName(),
                fingerprint);
    }

    public X509Certificate caCertificate() {
        return ca.certificate();
    }

    /** SHA-256 of the CA certificate, base64url: the pin an enrollment token carries. */
    public String caFingerprint() {
        return fingerprint;
    }

    /** Presents the control plane's current certificate; renewed in place. */
    public ReloadableKeyManager keyManager() {
        return keyManager;
    }

    /**
     * Trusts nodes' certificates under this CA (which node, and whether it still exists, is checked per
     * call). One instance for the gRPC server and the push dialler, so a chain verified on one is known
     * to the other.
     */
    public PeerTrustManager nodeTrust() {
        return nodeTrust;
    }

    /** A certificate for a node's own key; returns the chain, leaf first. */
    public List<X509Certificate> issueNode(UUID nodeId, String nodeName, PublicKey key) {
        return ca.issue(key, PeerIdentity.node(nodeId), nodeName, List.of(), properties.nodeCertValidity());
    }

    @Scheduled(
            fixedDelayString = "${tide.pki.renew-check-interval:1h}",
            initialDelayString = "${tide.pki.renew-check-interval:1h}")
    void renewIfDue() {
        if (keyManager.current().map(m -> m.dueForRenewal(clock.instant())).orElse(true)) {
            issueOwn();
            log.info("Re-issued the control plane's certificate");
        }
    }

    private void issueOwn() {
        keyManager.set(ca.issueWithNewKey(
                PeerIdentity.controlPlane(),
                "Tide control plane",
                properties.serverNames(),
                properties.serverCertValidity()));
    }

    private static CertificateAuthority load(Path cert, Path key, Clock clock)
            throws IOException, GeneralSecurityException {
        List<X509Certificate> chain = Pem.parseCertificates(Files.readString(cert, StandardCharsets.US_ASCII));
        KeyMaterial material =
                new KeyMaterial(Pem.parsePrivateKey(Files.readString(key, StandardCharsets.US_ASCII)), chain);
        if (!keyMatches(material)) {
            throw new GeneralSecurityException(key + " is not the private key of the CA certificate in " + cert);
        }
        return CertificateAuthority.of(material, clock);
    }

    /** Signs and verifies once: proves the key pair matches without knowing its algorithm's internals. */
    private static boolean keyMatches(KeyMaterial material) throws GeneralSecurityException {
        java.security.Signature signer = java.security.Signature.getInstance(signatureFor(material));
        signer.initSign(material.privateKey());
        byte[] probe = "tide".getBytes(StandardCharsets.US_ASCII);
        signer.update(probe);
        byte[] signature = signer.sign();
        java.security.Signature verifier = java.security.Signature.getInstance(signatureFor(material));
        verifier.initVerify(material.leaf().getPublicKey());
        verifier.update(probe);
        return verifier.verify(signature);
    }

    private static String signatureFor(KeyMaterial material) {
        return switch (material.privateKey().getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            default -> material.privateKey().getAlgorithm();
        };
    }

    /**
     * Tide's own CA from the shared secret {@code name}. Where the database has none yet, the CA
     * files an earlier version kept in {@code legacyDir} are moved in, or a new CA is generated;
     * replicas that start together all end up with whichever got stored first.
     */
    static CertificateAuthority shared(
            SharedSecrets secrets, String name, Path legacyDir, PkiProperties properties, Clock clock)
            throws IOException, GeneralSecurityException {
        String stored = secrets.get(name).orElse(null);
        if (stored == null) {
            String first = firstCa(legacyDir, properties, clock);
            stored = secrets.getOrCreate(name, () -> first);
        }
        int key = stored.indexOf(KEY_BEGIN);
        if (key < 0) {
            throw new GeneralSecurityException("the agent CA in the database (shared_secret " + name + ") has no key");
        }
        KeyMaterial material = new KeyMaterial(
                Pem.parsePrivateKey(stored.substring(key)), Pem.parseCertificates(stored.substring(0, key)));
        if (!keyMatches(material)) {
            throw new GeneralSecurityException(
                    "the agent CA in the database (shared_secret " + name + ") has a key that does not match it");
        }
        return CertificateAuthority.of(material, clock);
    }

    private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";

    /** The CA to store when the database has none: an earlier version's files, or a new one. */
    private static String firstCa(Path legacyDir, PkiProperties properties, Clock clock)
            throws IOException, GeneralSecurityException {
        Path cert = legacyDir.resolve("ca.crt");
        Path key = legacyDir.resolve("ca.key");
        CertificateAuthority ca;
        if (Files.exists(cert) && Files.exists(key)) {
            ca = load(cert, key, clock);
            log.info(
                    "Moved the agent CA from {} into the database, where every replica finds it; the files are no"
                            + " longer read and can be deleted once no older control plane runs on this data dir",
                    legacyDir);
        } else {
            ca = CertificateAuthority.generate("Tide agent CA", properties.caValidity(), clock);
            log.info("Generated the agent CA; it is kept in the database, where every replica finds it");
        }
        return Pem.certificates(List.of(ca.certificate()))
                + Pem.privateKey(ca.material().privateKey());
    }
}
