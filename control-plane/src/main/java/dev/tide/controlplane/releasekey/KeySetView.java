package dev.tide.controlplane.releasekey;

import dev.tide.security.release.ReleaseKeySet;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/** A release key set as stored, with the signature agents check: what the API and the console show. */
public record KeySetView(
        String environment,
        long version,
        boolean requireSignatures,
        Instant issuedAt,
        List<KeySetVersion.StoredKey> keys,
        String signedBy,
        String signature,
        String createdBy,
        Instant createdAt) {
    static KeySetView of(KeySetVersion stored) {
        ReleaseKeySet.Signed signed = stored.signed();
        ReleaseKeySet set = signed.keySet();
        return new KeySetView(
                set.environment(),
                set.version(),
                set.requireSignatures(),
                set.issuedAt(),
                stored.getKeys(),
                signed.signedBy(),
                Base64.getEncoder().encodeToString(signed.signature()),
                stored.getCreatedBy(),
                stored.getCreatedAt());
    }
}
