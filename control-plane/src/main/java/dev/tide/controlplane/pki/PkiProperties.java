package dev.tide.controlplane.pki;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The control plane's certificate authority and certificates ({@code tide.pki.*}).
 *
 * @param caCert PEM file of a CA certificate the operator supplies (with {@code caKey}); empty
 *     means the CA generated on first start under {@code <tide.data-dir>/pki/}
 * @param caKey PEM file (unencrypted PKCS#8) of that CA's private key; keep it owner-only
 * @param nodeCertValidity how long a node certificate is valid; agents renew when a third is left
 * @param serverCertValidity how long the control plane's own certificate is valid; it is re-issued
 *     when a third is left, without a restart
 * @param serverNames host names and IP addresses put in the control plane's certificate, for
 *     generic gRPC clients that check host names (Tide agents check the identity instead)
 * @param caValidity how long a generated CA is valid
 */
@ConfigurationProperties("tide.pki")
public record PkiProperties(
        Path caCert,
        Path caKey,
        Duration nodeCertValidity,
        Duration serverCertValidity,
        List<String> serverNames,
        Duration caValidity) {
    public PkiProperties {
        nodeCertValidity = nodeCertValidity == null ? Duration.ofDays(7) : nodeCertValidity;
        serverCertValidity = serverCertValidity == null ? Duration.ofDays(30) : serverCertValidity;
        serverNames = serverNames == null || serverNames.isEmpty() ? List.of("localhost", "127.0.0.1") : serverNames;
        caValidity = caValidity == null ? Duration.ofDays(3650) : caValidity;
        if ((caCert == null) != (caKey == null)) {
            throw new IllegalArgumentException(
                    "tide.pki.ca-cert and tide.pki.ca-key must be set together (or neither, to use the generated CA)");
        }
        if (nodeCertValidity.compareTo(Duration.ofSeconds(30)) < 0) {
            throw new IllegalArgumentException("tide.pki.node-cert-validity must be at least 30s");
        }
    }
}
