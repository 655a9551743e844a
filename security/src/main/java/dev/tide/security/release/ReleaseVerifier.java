package dev.tide.security.release;

import dev.tide.security.release.ReleaseKeySet.TrustException;
import java.security.GeneralSecurityException;
import java.time.Instant;

/**
 * The agent's rules for a release it is about to apply, given the key set it pinned:
 *
 * <ol>
 *   <li>When the set requires signatures, the release must be signed by a key of the set, and the
 *       signature must verify over the manifest rebuilt from what the agent received.
 *   <li>Replay: a signed release issued before the newest one this node applied for the
 *       application is refused, unless it is the release the node ran just before (the rollback
 *       target). So a compromised control plane can roll a node back one step, as rollback needs,
 *       but cannot reinstall an old, vulnerable release.
 * </ol>
 */
public final class ReleaseVerifier {
    private ReleaseVerifier() {}

    /** Refuses a release that carries no signature at all when the set requires one. */
    public static void checkUnsigned(ReleaseKeySet trust, String application, String version) throws TrustException {
        if (trust != null && trust.requireSignatures()) {
            throw new TrustException(application + " " + version + " is not signed, and environment '"
                    + trust.environment() + "' requires signed releases");
        }
    }

    /**
     * @param newestApplied issuedAt of the newest signed release applied for this application, or null
     * @param isRollbackTarget true when this is the release the node ran just before its current one
     */
    public static void check(
            ReleaseKeySet trust,
            ReleaseManifest manifest,
            String keyId,
            byte[] signature,
            Instant newestApplied,
            boolean isRollbackTarget)
            throws TrustException {
        String what = manifest.application() + " " + manifest.version();
        if (trust == null || !trust.requireSignatures()) {
            return;
        }
        if (keyId == null || keyId.isEmpty() || signature == null || signature.length == 0) {
            throw new TrustException(
                    what + " is not signed, and environment '" + trust.environment() + "' requires signed releases");
        }
        ReleaseKeySet.TrustedKey key = trust.key(keyId)
                .orElseThrow(() -> new TrustException(what + " is signed by key " + keyId + ", which environment '"
                        + trust.environment() + "' does not trust"));
        try {
            if (!ReleaseKeys.verify(ReleaseKeys.publicKey(key.publicKey()), manifest.canonical(), signature)) {
                throw new TrustException(what + ": the signature does not match the release as delivered"
                        + " (something was changed after it was signed)");
            }
        } catch (GeneralSecurityException e) {
            throw new TrustException("trusted key " + keyId + " is not an Ed25519 key");
        }
        if (newestApplied != null && manifest.issuedAt().isBefore(newestApplied) && !isRollbackTarget) {
            throw new TrustException(what + " was signed at " + manifest.issuedAt() + ", before the newest release"
                    + " this node applied (" + newestApplied
                    + "), and is not its rollback target: refused as a replay");
        }
    }
}
