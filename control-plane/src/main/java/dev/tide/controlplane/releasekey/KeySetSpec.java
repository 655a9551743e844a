package dev.tide.controlplane.releasekey;

import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.InvalidInputException.FieldError;
import dev.tide.security.release.ReleaseKeySet;
import dev.tide.security.release.ReleaseKeys;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The body of {@code PUT /api/v1/environments/{name}/release-keys}: a release key set signed
 * outside the control plane, with its public keys as base64 of their X.509 DER. Validated field
 * by field; whether it may replace the current set is {@link ReleaseKeyService}'s question.
 */
public record KeySetSpec(
        Long version,
        Boolean requireSignatures,
        Instant issuedAt,
        List<KeySpec> keys,
        String signedBy,
        String signature) {
    static final int MAX_KEYS = 50;
    static final int MAX_NAME = 100;

    /** A key to trust: a name for people and the base64 of its X.509 DER. */
    public record KeySpec(String name, String publicKey) {}

    /** The signed key set for {@code environment}, or an exception naming every invalid field. */
    ReleaseKeySet.Signed toSigned(String environment) {
        List<FieldError> errors = new ArrayList<>();
        if (version == null || version < 1) {
            errors.add(new FieldError("version", "must be a whole number of at least 1"));
        }
        if (requireSignatures == null) {
            errors.add(new FieldError("requireSignatures", "is required: true or false"));
        }
        if (issuedAt == null) {
            errors.add(new FieldError("issuedAt", "is required: the issuedAt of the signed key set"));
        }
        List<ReleaseKeySet.TrustedKey> trusted = trustedKeys(errors);
        if (signedBy == null || signedBy.isBlank()) {
            errors.add(new FieldError("signedBy", "is required: the id of the key that signed the set"));
        }
        byte[] signatureBytes = decode(signature);
        if (signatureBytes == null || signatureBytes.length != 64) {
            errors.add(new FieldError("signature", "must be the base64 of an Ed25519 signature (64 bytes)"));
        }
        if (!errors.isEmpty()) {
            throw InvalidInputException.fields(errors);
        }
        try {
            return new ReleaseKeySet.Signed(
                    new ReleaseKeySet(environment, version, requireSignatures, trusted, issuedAt),
                    signedBy,
                    signatureBytes);
        } catch (IllegalArgumentException e) {
            // Environment and version are valid here: what is left is a set that requires
            // signatures but trusts no key.
            throw InvalidInputException.field("keys", e.getMessage());
        }
    }

    private List<ReleaseKeySet.TrustedKey> trustedKeys(List<FieldError> errors) {
        if (keys == null) {
            errors.add(
                    new FieldError("keys", "is required: [{name, publicKey}], empty only without requireSignatures"));
            return List.of();
        }
        if (keys.size() > MAX_KEYS) {
            errors.add(new FieldError("keys", "must have at most " + MAX_KEYS + " keys"));
        }
        List<ReleaseKeySet.TrustedKey> trusted = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < keys.size(); i++) {
            KeySpec key = keys.get(i);
            String field = "keys[" + i + "]";
            if (key == null) {
                errors.add(new FieldError(field, "must be {name, publicKey}"));
                continue;
            }
            if (key.name() != null && key.name().length() > MAX_NAME) {
                errors.add(new FieldError(field + ".name", "must be at most " + MAX_NAME + " characters"));
            }
            byte[] der = decode(key.publicKey());
            if (der == null || !isEd25519(der)) {
                errors.add(new FieldError(
                        field + ".publicKey", "must be the base64 of an Ed25519 public key (X.509 DER)"));
            } else if (!ids.add(ReleaseKeys.id(der))) {
                errors.add(new FieldError(field + ".publicKey", "lists the same key twice"));
            } else {
                trusted.add(ReleaseKeySet.TrustedKey.of(der, key.name()));
            }
        }
        return trusted;
    }

    private static boolean isEd25519(byte[] der) {
        try {
            ReleaseKeys.publicKey(der);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] decode(String base64) {
        try {
            return base64 == null ? null : Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
