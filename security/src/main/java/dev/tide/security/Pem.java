package dev.tide.security;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** PEM text for certificates and PKCS#8 private keys, as operators and openssl read them. */
public final class Pem {
    private static final Pattern PRIVATE_KEY =
            Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
    private static final Pattern PUBLIC_KEY =
            Pattern.compile("-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\\s]+)-----END PUBLIC KEY-----");

    private Pem() {}

    public static String certificates(List<X509Certificate> chain) {
        StringBuilder out = new StringBuilder();
        for (X509Certificate cert : chain) {
            try {
                out.append(block("CERTIFICATE", cert.getEncoded()));
            } catch (CertificateException e) {
                throw new IllegalArgumentException("certificate cannot be encoded", e);
            }
        }
        return out.toString();
    }

    /** Every certificate in the text, in order. */
    public static List<X509Certificate> parseCertificates(String pem) throws CertificateException {
        if (pem == null || !pem.contains("-----BEGIN CERTIFICATE-----")) {
            throw new CertificateException("no PEM certificate found");
        }
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        for (var cert :
                factory.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
            out.add((X509Certificate) cert);
        }
        return out;
    }

    public static String privateKey(PrivateKey key) {
        if (!"PKCS#8".equals(key.getFormat())) {
            throw new IllegalArgumentException("private key is not PKCS#8 encodable: " + key.getFormat());
        }
        return block("PRIVATE KEY", key.getEncoded());
    }

    /** An unencrypted PKCS#8 key (EC, Ed25519 or RSA), as {@code openssl genpkey} writes it. */
    public static PrivateKey parsePrivateKey(String pem) throws GeneralSecurityException {
        Matcher m = PRIVATE_KEY.matcher(pem == null ? "" : pem);
        if (!m.find()) {
            throw new GeneralSecurityException(
                    "no unencrypted PKCS#8 private key ('-----BEGIN PRIVATE KEY-----') found");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        GeneralSecurityException last = null;
        for (String algorithm : List.of("EC", "Ed25519", "RSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new GeneralSecurityException("private key is not an EC, Ed25519 or RSA PKCS#8 key", last);
    }

    public static String publicKey(PublicKey key) {
        return block("PUBLIC KEY", key.getEncoded());
    }

    /** An X.509 SubjectPublicKeyInfo key (EC or Ed25519), as {@code openssl pkey -pubout} writes it. */
    public static PublicKey parsePublicKey(String pem) throws GeneralSecurityException {
        Matcher m = PUBLIC_KEY.matcher(pem == null ? "" : pem);
        if (!m.find()) {
            throw new GeneralSecurityException("no public key ('-----BEGIN PUBLIC KEY-----') found");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        GeneralSecurityException last = null;
        for (String algorithm : List.of("EC", "Ed25519", "RSA")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new GeneralSecurityException("public key is not an EC, Ed25519 or RSA key", last);
    }

    private static String block(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
