package dev.tide.security;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.Signature;

/**
 * A PKCS#10 certificate signing request made with the JDK alone, so the agent needs no
 * cryptography library: the node's key is generated on the node, and only the request (its public
 * key, signed with the private key as proof of possession) ever leaves it.
 */
public final class Csr {
    private static final String COMMON_NAME = "2.5.4.3";
    private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";

    private Csr() {}

    /** DER of a request for an EC key, with the subject {@code CN=<commonName>}. */
    public static byte[] create(KeyPair keys, String commonName) {
        if (!"EC".equals(keys.getPublic().getAlgorithm())) {
            throw new IllegalArgumentException(
                    "node keys are EC keys, not " + keys.getPublic().getAlgorithm());
        }
        byte[] subject = Der.sequence(Der.set(Der.sequence(Der.oid(COMMON_NAME), Der.utf8(commonName))));
        byte[] info = Der.sequence(Der.integer(0), subject, keys.getPublic().getEncoded(), Der.contextConstructed(0));
        try {
            Signature signature = Signature.getInstance("SHA256withECDSA");
            signature.initSign(keys.getPrivate());
            signature.update(info);
            return Der.sequence(info, Der.sequence(Der.oid(ECDSA_WITH_SHA256)), Der.bitString(signature.sign()));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA256withECDSA is required by every Java platform", e);
        }
    }
}
