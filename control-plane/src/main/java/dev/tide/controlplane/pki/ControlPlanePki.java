package dev.tide.controlplane.pki;

import dev.tide.controlplane.system.TideProperties;
import dev.tide.security.Fingerprints;
import dev.tide.security.KeyMaterial;
import dev.tide.security.PeerIdentity;
import dev.tide.security.PeerTrustManager;
import dev.tide.security.Pem;
import dev.tide.security.ReloadableKeyManager;
import dev.tide.security.ca.CertificateAuthority;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
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
 * The control plane's CA and its own certificate. The CA is the operator's ({@code tide.pki.ca-*})
 * or generated on first start into {@code <data-dir>/pki/} (key 0600 in a 0700 directory). Replicas
 * must share the same CA: point them at the same files. The control plane's own certificate (the
 * identity {@code urn:tide:control-plane}) is issued at start and re-issued in place when a third of
 * its lifetime is left; it serves agents' calls and dials push sessions.
 */
@Component
public class ControlPlanePki {
    private static final Logger log = LoggerFactory.getLogger(ControlPlanePki.class);

    private final CertificateAuthority ca;
    private final PkiProperties properties;
    private final Clock clock;
    private final ReloadableKeyManager keyManager = new ReloadableKeyManager();
    private final String fingerprint;

    public ControlPlanePki(PkiProperties properties, TideProperties tide, Clock clock)
            throws IOException, GeneralSecurityException {
        this.properties = properties;
        this.clock = clock;
        this.ca = properties.caCert() != null
                ? load(properties.caCert(), properties.caKey(), clock)
                : loadOrCreate(tide.dataDir().resolve("pki").toAbsolutePath(), properties, clock);
        this.fingerprint = Fingerprints.sha256(ca.certificate());
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

    /** Trusts nodes' certificates under this CA (which node, and whether it still exists, is checked per call). */
    public PeerTrustManager nodeTrust() {
        return PeerTrustManager.anyNode(ca::certificate, clock);
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

    private static CertificateAuthority loadOrCreate(Path dir, PkiProperties properties, Clock clock)
            throws IOException, GeneralSecurityException {
        Path cert = dir.resolve("ca.crt");
        Path key = dir.resolve("ca.key");
        if (Files.exists(cert) && Files.exists(key)) {
            return load(cert, key, clock);
        }
        CertificateAuthority created = CertificateAuthority.generate("Tide agent CA", properties.caValidity(), clock);
        Files.createDirectories(
                dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        writePrivate(key, Pem.privateKey(created.material().privateKey()));
        writePrivate(cert, Pem.certificates(List.of(created.certificate())));
        log.info("Generated the agent CA in {} (keep ca.key safe; every replica needs the same files)", dir);
        return created;
    }

    private static void writePrivate(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, content, StandardCharsets.US_ASCII);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    }
}
