package dev.tide.security.release;

import java.security.GeneralSecurityException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The release keys an environment trusts, and whether it requires signed releases: a versioned
 * document that is itself signed. Agents pin the set they are given first and accept a newer one
 * only when a key of the set they hold signed it, so a compromised control plane can neither add
 * its own key nor switch signatures off.
 */
public record ReleaseKeySet(
        String environment, long version, boolean requireSignatures, List<TrustedKey> keys, Instant issuedAt) {
    public static final String FORMAT = "tide.release-keys/v1";

    /** A trusted Ed25519 key: its id, its public key (X.509 DER) and a name for people. */
    public record TrustedKey(String id, byte[] publicKey, String name) {
        public TrustedKey {
            if (!ReleaseKeys.id(publicKey).equals(id)) {
                throw new IllegalArgumentException("key id " + id + " is not the SHA-256 of its public key");
            }
            name = name == null ? "" : name;
        }

        public static TrustedKey of(byte[] publicKey, String name) {
            return new TrustedKey(ReleaseKeys.id(publicKey), publicKey, name);
        }
    }

    public ReleaseKeySet {
        keys = keys.stream().sorted(Comparator.comparing(TrustedKey::id)).toList();
        issuedAt = issuedAt.truncatedTo(ChronoUnit.SECONDS);
        if (environment == null || environment.isBlank() || version < 1) {
            throw new IllegalArgumentException("a key set names its environment and has a version of at least 1");
        }
        if (requireSignatures && keys.isEmpty()) {
            throw new IllegalArgumentException("a key set that requires signatures must trust at least one key");
        }
    }

    public Optional<TrustedKey> key(String id) {
        return keys.stream().filter(k -> k.id().equals(id)).findFirst();
    }

    /** The bytes its signature covers. */
    public byte[] canonical() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("format", FORMAT);
        doc.put("environment", environment);
        doc.put("version", version);
        doc.put("requireSignatures", requireSignatures);
        doc.put(
                "keys",
                keys.stream()
                        .map(k -> Map.of(
                                "id",
                                k.id(),
                                "name",
                                k.name(),
                                "publicKey",
                                Base64.getEncoder().encodeToString(k.publicKey())))
                        .toList());
        doc.put("issuedAt", issuedAt.toString());
        return CanonicalJson.bytes(doc);
    }

    /** A key set with the id of the key that signed it and the signature. */
    public record Signed(ReleaseKeySet keySet, String signedBy, byte[] signature) {}

    /**
     * Checks that {@code next} may take the place of {@code current} (null when none is pinned yet):
     * the same environment, a higher version, and signed by a key {@code current} trusts. The first
     * set must be signed by one of its own keys.
     */
    public static void checkSuccessor(ReleaseKeySet current, Signed next) throws TrustException {
        ReleaseKeySet set = next.keySet();
        ReleaseKeySet signers = current == null ? set : current;
        if (current != null && !current.environment().equals(set.environment())) {
            throw new TrustException("the release key set is for environment '" + set.environment() + "', not '"
                    + current.environment() + "'");
        }
        if (current != null && set.version() <= current.version()) {
            throw new TrustException(
                    "release key set version " + set.version() + " is not newer than the pinned " + current.version());
        }
        TrustedKey signer = signers.key(next.signedBy())
                .orElseThrow(() -> new TrustException("release key set version " + set.version() + " is signed by key "
                        + next.signedBy() + ", which is not trusted" + (current == null ? " by the set itself" : "")));
        try {
            if (!ReleaseKeys.verify(ReleaseKeys.publicKey(signer.publicKey()), set.canonical(), next.signature())) {
                throw new TrustException("the signature of release key set version " + set.version()
                        + " does not verify with key " + signer.id());
            }
        } catch (GeneralSecurityException e) {
            throw new TrustException("trusted key " + signer.id() + " is not an Ed25519 key");
        }
    }

    /** Why a key set or a release is refused; the message is meant for the operator. */
    public static final class TrustException extends Exception {
        public TrustException(String message) {
            super(message);
        }
    }
}
