package dev.tide.security;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A private key with its certificate chain (leaf first): what one end of a Tide connection
 * presents.
 */
public record KeyMaterial(PrivateKey privateKey, List<X509Certificate> chain) {
    public KeyMaterial {
        if (privateKey == null || chain == null || chain.isEmpty()) {
            throw new IllegalArgumentException("key material needs a private key and at least one certificate");
        }
        chain = List.copyOf(chain);
    }

    public X509Certificate leaf() {
        return chain.get(0);
    }

    public Optional<PeerIdentity> identity() {
        return PeerIdentity.of(leaf());
    }

    public Instant notBefore() {
        return leaf().getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return leaf().getNotAfter().toInstant();
    }

    /** True once less than a third of the certificate's lifetime is left: time to renew. */
    public boolean dueForRenewal(Instant now) {
        Duration lifetime = Duration.between(notBefore(), notAfter());
        return !now.isBefore(notAfter().minus(lifetime.dividedBy(3)));
    }

    /** A fresh P-256 key pair: fast to handshake with and accepted everywhere TLS 1.3 runs. */
    public static KeyPair generateKeyPair() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("EC P-256 is required by every Java platform", e);
        }
    }

    @Override
    public String toString() {
        return "KeyMaterial[" + leaf().getSubjectX500Principal() + ", notAfter=" + notAfter() + "]";
    }
}
