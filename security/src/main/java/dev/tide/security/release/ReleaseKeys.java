package dev.tide.security.release;

import dev.tide.security.Fingerprints;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Ed25519 release keys: made and kept by the people who release, never by the control plane. A
 * key is named by its id, the SHA-256 (base64url) of its public key.
 */
public final class ReleaseKeys {
    private ReleaseKeys() {}

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 is part of every Java 15+ platform", e);
        }
    }

    public static String id(PublicKey key) {
        return Fingerprints.sha256(key.getEncoded());
    }

    public static String id(byte[] publicKeyDer) {
        return Fingerprints.sha256(publicKeyDer);
    }

    /** An Ed25519 public key from its X.509 (SubjectPublicKeyInfo) DER or that DER in base64. */
    public static PublicKey publicKey(byte[] der) throws GeneralSecurityException {
        PublicKey key = KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
        return key;
    }

    public static PublicKey publicKey(String base64) throws GeneralSecurityException {
        try {
            return publicKey(Base64.getDecoder().decode(base64.trim()));
        } catch (IllegalArgumentException e) {
            throw new GeneralSecurityException("a release key must be base64 of an Ed25519 public key", e);
        }
    }

    public static byte[] sign(PrivateKey key, byte[] document) {
        try {
            Signature signer = Signature.getInstance("Ed25519");
            signer.initSign(key);
            signer.update(document);
            return signer.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    "cannot sign with this key (an Ed25519 private key is needed): " + e.getMessage(), e);
        }
    }

    public static boolean verify(PublicKey key, byte[] document, byte[] signature) {
        try {
            Signature verifier = Signature.getInstance("Ed25519");
            verifier.initVerify(key);
            verifier.update(document);
            return verifier.verify(signature);
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }
}
