package dev.tide.security;

import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a peer whose chain leads to the Tide CA and whose certificate names an identity this end
 * accepts (the control plane, or a node). Host names are not checked: the identity is the name
 * (see {@link PeerIdentity}), as Octopus pins thumbprints instead of trusting DNS.
 *
 * <p>Before an agent has the CA it may trust by fingerprint: the chain must contain a certificate
 * whose SHA-256 is the pin from the enrollment token; that certificate becomes the anchor, and is
 * handed to {@code onPinned} so the agent keeps it.
 *
 * <p>A chain's signatures are verified once per anchor: the SHA-256 of the anchor and the chain is
 * remembered, and a peer that connects again with the same chain (an agent whose idle connection
 * closed, a check-in, a reconnect for a deployment) is checked for validity dates, identity and the
 * anchor without verifying ECDSA signatures again, which in the JDK's pure-Java P-256 was a quarter
 * of a 10,000-node push deployment's CPU. A different chain or a new CA misses and is verified in
 * full; a chain that failed is never remembered.
 */
public final class PeerTrustManager extends X509ExtendedTrustManager {
    /** Verified chains kept; beyond this the set starts over (10,000 nodes take about 1.5 MB). */
    static final int MAX_VERIFIED = 65_536;

    private final Set<ByteBuffer> verified = ConcurrentHashMap.newKeySet();
    private final AtomicLong signatureChecks = new AtomicLong();
    private final AtomicLong knownChains = new AtomicLong();
    private final Supplier<X509Certificate> ca;
    private final String caPin;
    private final Consumer<X509Certificate> onPinned;
    private final Predicate<PeerIdentity> accept;
    private final String expected;
    private final Clock clock;

    private PeerTrustManager(
            Supplier<X509Certificate> ca,
            String caPin,
            Consumer<X509Certificate> onPinned,
            Predicate<PeerIdentity> accept,
            String expected,
            Clock clock) {
        this.ca = ca;
        this.caPin = caPin;
        this.onPinned = onPinned;
        this.accept = accept;
        this.expected = expected;
        this.clock = clock;
    }

    /** Trusts peers under {@code ca} that are the control plane. */
    public static PeerTrustManager controlPlane(Supplier<X509Certificate> ca, Clock clock) {
        return new PeerTrustManager(ca, null, c -> {}, PeerIdentity::isControlPlane, "the control plane", clock);
    }

    /** Trusts peers under {@code ca} that are a node (which node is checked per call). */
    public static PeerTrustManager anyNode(Supplier<X509Certificate> ca, Clock clock) {
        return new PeerTrustManager(ca, null, c -> {}, PeerIdentity::isNode, "a node", clock);
    }

    /** Trusts the control plane under the CA whose fingerprint is {@code caPin}, and reports that CA. */
    public static PeerTrustManager pinnedControlPlane(String caPin, Consumer<X509Certificate> onPinned, Clock clock) {
        return new PeerTrustManager(null, caPin, onPinned, PeerIdentity::isControlPlane, "the control plane", clock);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        check(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        check(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        X509Certificate anchor = ca == null ? null : ca.get();
        return anchor == null ? new X509Certificate[0] : new X509Certificate[] {anchor};
    }

    private void check(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the peer presented no certificate");
        }
        X509Certificate anchor = anchor(chain);
        verify(
                chain,
                anchor,
                Date.from(clock.instant())); // not millis(): Clock.tick(..., 1 us) divides by zero there on Java 17
        PeerIdentity identity = PeerIdentity.of(chain[0])
                .orElseThrow(() -> new CertificateException("the peer's certificate names no Tide identity"));
        if (!accept.test(identity)) {
            throw new CertificateException("the peer is " + identity + ", not " + expected);
        }
        if (caPin != null) {
            onPinned.accept(anchor);
        }
    }

    private X509Certificate anchor(X509Certificate[] chain) throws CertificateException {
        if (caPin == null) {
            X509Certificate anchor = ca.get();
            if (anchor == null) {
                throw new CertificateException("no CA certificate to check the peer against");
            }
            return anchor;
        }
        for (X509Certificate cert : chain) {
            if (Fingerprints.same(caPin, Fingerprints.sha256(cert))) {
                return cert;
            }
        }
        throw new CertificateException("the control plane's CA does not match the fingerprint in the enrollment"
                + " token: wrong control plane, or someone in between");
    }

    /** {@link #validate} once per anchor and chain; after that only the validity dates at {@code now}. */
    private void verify(X509Certificate[] chain, X509Certificate anchor, Date now) throws CertificateException {
        ByteBuffer key = digest(anchor, chain);
        if (verified.contains(key)) {
            for (X509Certificate cert : path(chain, anchor)) {
                try {
                    cert.checkValidity(now);
                } catch (CertificateException e) {
                    throw new CertificateException(
                            "the peer's certificate is not valid under the Tide CA: " + e.getMessage(), e);
                }
            }
            knownChains.incrementAndGet();
            return;
        }
        signatureChecks.incrementAndGet();
        validate(chain, anchor, now);
        if (verified.size() >= MAX_VERIFIED) {
            verified.clear();
        }
        verified.add(key);
    }

    /** How many chains had their signatures verified in full, valid or not. */
    public long signatureChecks() {
        return signatureChecks.get();
    }

    /** How many chains were known from an earlier verification and checked for their dates only. */
    public long knownChains() {
        return knownChains.get();
    }

    private static ByteBuffer digest(X509Certificate anchor, X509Certificate[] chain) throws CertificateException {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            update(sha256, anchor);
            for (X509Certificate cert : chain) {
                update(sha256, cert);
            }
            return ByteBuffer.wrap(sha256.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private static void update(MessageDigest sha256, X509Certificate cert) throws CertificateException {
        byte[] der = cert.getEncoded();
        sha256.update(ByteBuffer.allocate(4).putInt(der.length).flip()); // each certificate delimited
        sha256.update(der);
    }

    /** The chain without the anchor: the certificates to check. */
    private static List<X509Certificate> path(X509Certificate[] chain, X509Certificate anchor)
            throws CertificateException {
        List<X509Certificate> path = new ArrayList<>();
        for (X509Certificate cert : chain) {
            if (!cert.equals(anchor)) {
                path.add(cert);
            }
        }
        if (path.isEmpty()) {
            throw new CertificateException("the peer presented the CA certificate itself");
        }
        return path;
    }

    /** PKIX: signatures, validity at {@code now}, CA constraints. The anchor is not part of the path. */
    static void validate(X509Certificate[] chain, X509Certificate anchor, Date now) throws CertificateException {
        try {
            CertPath certPath = CertificateFactory.getInstance("X.509").generateCertPath(path(chain, anchor));
            PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(anchor, null)));
            parameters.setRevocationEnabled(false); // revocation is the node's removal, checked per call
            parameters.setDate(now);
            CertPathValidator.getInstance("PKIX").validate(certPath, parameters);
        } catch (GeneralSecurityException e) {
            throw new CertificateException(
                    "the peer's certificate is not valid under the Tide CA: " + e.getMessage(), e);
        }
    }
}
