package dev.tide.security.ca;

import dev.tide.security.KeyMaterial;
import dev.tide.security.PeerIdentity;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;

/**
 * The Tide certificate authority: a self-signed CA that issues the control plane's certificate and
 * every node's, each naming its {@link PeerIdentity}. Certificates are backdated five minutes for
 * clock skew. Needs Bouncy Castle (bcpkix) on the class path.
 */
public final class CertificateAuthority {
    /** How far back a certificate's notBefore is set from its issue, for clock skew. */
    public static final Duration BACKDATING = Duration.ofMinutes(5);

    private static final String SIGNATURE = "SHA256withECDSA";

    private final KeyMaterial material;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    private CertificateAuthority(KeyMaterial material, Clock clock) {
        this.material = material;
        this.clock = clock;
    }

    /** A CA from existing key material (its chain is the CA certificate). */
    public static CertificateAuthority of(KeyMaterial material, Clock clock) {
        X509Certificate cert = material.leaf();
        if (cert.getBasicConstraints() < 0) {
            throw new IllegalArgumentException("the CA certificate " + cert.getSubjectX500Principal()
                    + " is not a CA (basicConstraints cA=false)");
        }
        return new CertificateAuthority(material, clock);
    }

    /** A new self-signed CA with a P-256 key. */
    public static CertificateAuthority generate(String commonName, Duration validity, Clock clock) {
        KeyPair keys = KeyMaterial.generateKeyPair();
        Instant now = clock.instant();
        X500Name name = name(commonName);
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                            name,
                            serial(new SecureRandom()),
                            Date.from(now.minus(BACKDATING)),
                            Date.from(now.plus(validity)),
                            name,
                            keys.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(
                            Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(keys.getPublic()));
            X509Certificate cert = sign(builder, keys);
            return new CertificateAuthority(new KeyMaterial(keys.getPrivate(), List.of(cert)), clock);
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot create the CA certificate: " + e.getMessage(), e);
        }
    }

    public X509Certificate certificate() {
        return material.leaf();
    }

    public KeyMaterial material() {
        return material;
    }

    /**
     * A leaf certificate for {@code identity} over {@code publicKey}, usable for TLS client and
     * server authentication, with optional DNS names and IP addresses for generic TLS clients.
     * Returns the chain, leaf first.
     */
    public List<X509Certificate> issue(
            PublicKey publicKey, PeerIdentity identity, String commonName, List<String> hostNames, Duration validity) {
        Instant now = clock.instant();
        Instant notAfter = now.plus(validity);
        if (notAfter.isAfter(certificate().getNotAfter().toInstant())) {
            notAfter = certificate().getNotAfter().toInstant(); // never outlive the CA
        }
        List<GeneralName> names = new ArrayList<>();
        names.add(new GeneralName(GeneralName.uniformResourceIdentifier, identity.uri()));
        for (String host : hostNames) {
            names.add(
                    isIpAddress(host)
                            ? new GeneralName(GeneralName.iPAddress, host)
                            : new GeneralName(GeneralName.dNSName, host));
        }
        try {
            JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
                            certificate(),
                            serial(random),
                            Date.from(now.minus(BACKDATING)),
                            Date.from(notAfter),
                            name(commonName),
                            publicKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(new KeyPurposeId[] {
                        KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth
                    }))
                    .addExtension(
                            Extension.subjectAlternativeName,
                            false,
                            new GeneralNames(names.toArray(GeneralName[]::new)))
                    .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(publicKey))
                    .addExtension(
                            Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(certificate()));
            return List.of(
                    sign(builder, new KeyPair(certificate().getPublicKey(), material.privateKey())), certificate());
        } catch (GeneralSecurityException | CertIOException e) {
            throw new IllegalStateException("cannot issue a certificate for " + identity + ": " + e.getMessage(), e);
        }
    }

    /** Issues for a fresh key made here (the control plane's own certificate). */
    public KeyMaterial issueWithNewKey(
            PeerIdentity identity, String commonName, List<String> hostNames, Duration validity) {
        KeyPair keys = KeyMaterial.generateKeyPair();
        return new KeyMaterial(keys.getPrivate(), issue(keys.getPublic(), identity, commonName, hostNames, validity));
    }

    /**
     * The public key of a PKCS#10 request whose signature proves possession of the private key.
     * Only EC keys on P-256 or P-384 are accepted.
     */
    public static PublicKey verifyRequest(byte[] der) throws InvalidRequestException {
        if (der == null || der.length == 0) {
            throw new InvalidRequestException("is required (a DER PKCS#10 certificate request)");
        }
        if (der.length > 16 * 1024) {
            throw new InvalidRequestException("is larger than 16 KiB");
        }
        try {
            PKCS10CertificationRequest request = new PKCS10CertificationRequest(der);
            // The JDK's own EC key factory: Bouncy Castle looks one up by OID, which the JDK does not name.
            PublicKey key = KeyFactory.getInstance("EC")
                    .generatePublic(new X509EncodedKeySpec(
                            request.getSubjectPublicKeyInfo().getEncoded()));
            if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
                throw new InvalidRequestException("signature does not match its public key");
            }
            if (!(key instanceof java.security.interfaces.ECPublicKey ec)
                    || !(ec.getParams().getCurve().getField().getFieldSize() == 256
                            || ec.getParams().getCurve().getField().getFieldSize() == 384)) {
                throw new InvalidRequestException("must be for an EC P-256 or P-384 key");
            }
            return key;
        } catch (IOException | IllegalArgumentException | ClassCastException e) {
            throw new InvalidRequestException("is not a DER PKCS#10 certificate request");
        } catch (OperatorCreationException | PKCSException | GeneralSecurityException e) {
            throw new InvalidRequestException("cannot be verified: " + e.getMessage());
        }
    }

    /** A certificate request that cannot be honoured; the message completes "the request ...". */
    public static final class InvalidRequestException extends Exception {
        public InvalidRequestException(String message) {
            super(message);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
            throws GeneralSecurityException {
        try {
            ContentSigner contentSigner = new JcaContentSignerBuilder(SIGNATURE).build(signer.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
        } catch (OperatorCreationException e) {
            throw new GeneralSecurityException(e.getMessage(), e);
        }
    }

    private static X500Name name(String commonName) {
        return new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.CN, commonName)
                .build();
    }

    private static BigInteger serial(SecureRandom random) {
        return new BigInteger(127, random).add(BigInteger.ONE);
    }

    private static boolean isIpAddress(String host) {
        if (host.matches("[0-9.]+") || host.contains(":")) {
            try {
                InetAddress.getByName(host); // literal: no lookup happens
                return true;
            } catch (IOException e) {
                return false;
            }
        }
        return false;
    }
}
