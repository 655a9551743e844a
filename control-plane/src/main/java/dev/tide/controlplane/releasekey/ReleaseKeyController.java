package dev.tide.controlplane.releasekey;

import dev.tide.security.release.ReleaseKeySet;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/environments/{name}/release-keys}: the environment's current release key set
 * (VIEWER) and its replacement by a newer set signed by a key of the current one (ADMIN).
 */
@RestController
@RequestMapping("/api/v1/environments/{environment}/release-keys")
class ReleaseKeyController {
    private final ReleaseKeyService keys;

    ReleaseKeyController(ReleaseKeyService keys) {
        this.keys = keys;
    }

    /** A key set as stored, with the signature agents check. */
    record KeySetView(
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

    @GetMapping
    KeySetView get(@PathVariable String environment) {
        return KeySetView.of(keys.get(environment));
    }

    @PutMapping
    KeySetView put(@PathVariable String environment, @RequestBody KeySetSpec body) {
        return KeySetView.of(keys.replace(environment, body.toSigned(environment)));
    }
}
