package dev.tide.controlplane.application;

import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.security.release.ReleaseKeys;
import dev.tide.security.release.ReleaseManifest;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Checks a submitted release signature: its key must be trusted by some environment, and it must
 * verify over the manifest of the release exactly as submitted, as agents will rebuild it from
 * what they receive. Only a signature that passes is ever stored.
 */
@Component
class ReleaseSignatures {
    /** How far in the future a signature may be dated (clock skew between signer and here). */
    static final Duration MAX_SKEW = Duration.ofMinutes(5);

    private final TrustedReleaseKeys keys;
    private final Clock clock;

    ReleaseSignatures(TrustedReleaseKeys keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    /**
     * The verified signature of a validated spec, or an {@link InvalidInputException} naming
     * {@code signature.keyId} (key not trusted), {@code signature.issuedAt} (in the future) or
     * {@code signature} (does not verify).
     */
    Release.Signature verify(String application, ReleaseSpec spec, Collection<String> dependsOn) {
        ReleaseSpec.Signature submitted = spec.signature();
        byte[] der = keys.publicKey(submitted.keyId())
                .orElseThrow(() -> InvalidInputException.field(
                        "signature.keyId",
                        "key " + submitted.keyId() + " is not trusted by any environment; add it to an"
                                + " environment's release keys first"));
        if (submitted.issuedAt().isAfter(clock.instant().plus(MAX_SKEW))) {
            // Agents refuse releases signed before the newest they applied: a release dated in the
            // future would hold back every release signed until then.
            throw InvalidInputException.field(
                    "signature.issuedAt", "is in the future; sign with the current time (" + clock.instant() + ")");
        }
        ReleaseManifest manifest = manifest(application, spec, dependsOn);
        if (!ReleaseKeys.verify(publicKey(der), manifest.canonical(), submitted.bytes())) {
            throw InvalidInputException.field(
                    "signature",
                    "does not verify with key " + submitted.keyId() + " over this release as submitted (the "
                            + ReleaseManifest.FORMAT + " manifest of application, version, artifactSha256, start,"
                            + " env, secretEnv names, configFiles, healthCheck, runAs, dependsOn "
                            + manifest.dependsOn() + " and issuedAt " + manifest.issuedAt()
                            + "); sign the release exactly as you submit it");
        }
        return new Release.Signature(submitted.keyId(), submitted.bytes(), manifest.issuedAt(), manifest.dependsOn());
    }

    /** What a release's signature covers, built from the release as submitted. */
    static ReleaseManifest manifest(String application, ReleaseSpec spec, Collection<String> dependsOn) {
        return new ReleaseManifest(
                application,
                spec.version(),
                spec.artifactSha256(),
                spec.start(),
                spec.env(),
                spec.secretEnv().keySet().stream().toList(),
                spec.configFiles(),
                healthCheck(spec.healthCheck()),
                spec.runAs(),
                dependsOn.stream().toList(),
                spec.signature().issuedAt());
    }

    /** The health check as agents receive it: effective path and timeout included. */
    private static Map<String, Object> healthCheck(HealthCheckSpec check) {
        if (check == null) {
            return null;
        }
        int timeout = check.effectiveTimeoutSeconds();
        if (check.http() != null) {
            return ReleaseManifest.httpCheck(check.http().port(), check.http().effectivePath(), timeout);
        }
        if (check.tcp() != null) {
            return ReleaseManifest.tcpCheck(check.tcp().port(), timeout);
        }
        return ReleaseManifest.commandCheck(check.command(), timeout);
    }

    private static PublicKey publicKey(byte[] der) {
        try {
            return ReleaseKeys.publicKey(der);
        } catch (GeneralSecurityException e) {
            // Key sets are checked when they are stored; a key that does not parse is a bug.
            throw new IllegalStateException("a trusted release key is not an Ed25519 key", e);
        }
    }
}
