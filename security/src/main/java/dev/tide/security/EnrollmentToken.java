package dev.tide.security;

import java.util.Optional;

/**
 * An enrollment token as an operator copies it: {@code <secret>.<ca-fingerprint>}. The secret is
 * what the control plane checks (it stores only its hash); the fingerprint is the SHA-256 of the
 * control plane's CA certificate, so the agent pins the CA before it sends anything, as kubeadm's
 * join token does with its CA hash. A token without a fingerprint needs the CA from elsewhere
 * ({@code --ca-fingerprint} or {@code --ca-file}).
 */
public record EnrollmentToken(String secret, Optional<String> caFingerprint) {
    private static final String BASE64URL = "[A-Za-z0-9_-]";

    public EnrollmentToken {
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("enrollment token is empty");
        }
        caFingerprint = caFingerprint == null ? Optional.empty() : caFingerprint;
    }

    public static EnrollmentToken of(String secret, String caFingerprint) {
        return new EnrollmentToken(secret, Optional.of(caFingerprint));
    }

    /** Splits what the operator pasted; a malformed fingerprint is an IllegalArgumentException. */
    public static EnrollmentToken parse(String text) {
        String value = text == null ? "" : text.trim();
        int dot = value.lastIndexOf('.');
        if (dot < 0) {
            return new EnrollmentToken(value, Optional.empty());
        }
        String pin = value.substring(dot + 1);
        if (!isFingerprint(pin)) {
            throw new IllegalArgumentException(
                    "enrollment token: the part after the last '.' must be the CA's SHA-256 fingerprint"
                            + " (43 base64url characters)");
        }
        return new EnrollmentToken(value.substring(0, dot), Optional.of(pin));
    }

    public static boolean isFingerprint(String value) {
        return value != null && value.matches(BASE64URL + "{43}");
    }

    /** The text to hand to an agent. */
    public String text() {
        return caFingerprint.map(pin -> secret + "." + pin).orElse(secret);
    }

    /** Never prints the secret. */
    @Override
    public String toString() {
        return "EnrollmentToken[caFingerprint=" + caFingerprint.orElse("none") + "]";
    }
}
