package dev.tide.agent.apply;

import dev.tide.agent.state.AppRecord;
import dev.tide.agent.state.AtomicFiles;
import dev.tide.proto.agent.v1.AppRelease;
import dev.tide.proto.agent.v1.HealthCheck;
import dev.tide.proto.agent.v1.ReleaseSignature;
import dev.tide.security.release.ReleaseKeySet;
import dev.tide.security.release.ReleaseKeySet.TrustException;
import dev.tide.security.release.ReleaseManifest;
import dev.tide.security.release.ReleaseVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The release keys this node trusts, pinned in {@code <data-dir>/release-keys.pb}, and the check
 * every release passes before the agent touches anything for it. The first key set the node is
 * given (at enrollment, over the connection pinned to the control plane's CA) is pinned as it is;
 * a later one only when a key of the pinned set signed it, so neither a compromised control plane
 * nor anyone in between can add a key or switch signatures off. See {@link ReleaseVerifier} for
 * the rules a release must pass.
 */
public final class ReleaseTrust {
    private static final Logger log = LoggerFactory.getLogger(ReleaseTrust.class);

    private final Path file;
    private volatile dev.tide.proto.agent.v1.ReleaseKeySet pinnedProto;
    private volatile ReleaseKeySet pinned;
    private volatile long lastRefusedVersion;

    private ReleaseTrust(Path file) {
        this.file = file;
    }

    public static ReleaseTrust load(Path dataDir) throws IOException {
        ReleaseTrust trust = new ReleaseTrust(dataDir.resolve("release-keys.pb"));
        try {
            dev.tide.proto.agent.v1.ReleaseKeySet saved =
                    dev.tide.proto.agent.v1.ReleaseKeySet.parseFrom(Files.readAllBytes(trust.file));
            trust.pinnedProto = saved;
            trust.pinned = toKeySet(saved).keySet();
        } catch (NoSuchFileException e) {
            // nothing pinned yet
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(
                    trust.file + " is unreadable (" + e.getMessage()
                            + "); it pins this node's release keys, so it is not replaced silently: restore it or enroll again",
                    e);
        }
        return trust;
    }

    /** The pinned set (null when none). */
    public ReleaseKeySet pinned() {
        return pinned;
    }

    /**
     * Offers the key set the control plane sent; pins it when it may replace the pinned one.
     * Returns why it was refused (the pinned set stays), or empty.
     */
    public synchronized Optional<String> offer(dev.tide.proto.agent.v1.ReleaseKeySet offered) {
        if (offered.getEnvironment().isEmpty() || offered.equals(pinnedProto)) {
            return Optional.empty();
        }
        try {
            ReleaseKeySet.Signed next = toKeySet(offered);
            ReleaseKeySet.checkSuccessor(pinned, next);
            AtomicFiles.write(file, offered.toByteArray(), true);
            pinnedProto = offered;
            pinned = next.keySet();
            log.info(
                    "pinned release keys version {} of environment {} ({} keys, signatures {})",
                    pinned.version(),
                    pinned.environment(),
                    pinned.keys().size(),
                    pinned.requireSignatures() ? "required" : "not required");
            return Optional.empty();
        } catch (TrustException | IllegalArgumentException e) {
            if (lastRefusedVersion != offered.getVersion()) {
                lastRefusedVersion = offered.getVersion();
                log.warn(
                        "release key set version {} refused, keeping the pinned one: {}",
                        offered.getVersion(),
                        e.getMessage());
            }
            return Optional.of(e.getMessage());
        } catch (IOException e) {
            log.warn("cannot pin release key set version {}: {}", offered.getVersion(), e.getMessage());
            return Optional.of("cannot save the release keys: " + e.getMessage());
        }
    }

    /** Why {@code release} must not be applied on this node, or empty when it may. */
    public Optional<String> refusal(AppRelease release, AppRecord record) {
        ReleaseKeySet trust = pinned;
        if (trust == null || !trust.requireSignatures()) {
            return Optional.empty();
        }
        if (!release.hasSignature()) {
            try {
                ReleaseVerifier.checkUnsigned(trust, release.getApplication(), release.getVersion());
            } catch (TrustException e) {
                return Optional.of(e.getMessage());
            }
        }
        ReleaseSignature signature = release.getSignature();
        Set<String> signedDependencies = new HashSet<>(signature.getDependsOnList());
        Optional<String> unsignedDependency = release.getDependsOnList().stream()
                .filter(d -> !signedDependencies.contains(d))
                .findFirst();
        if (release.hasSignature() && unsignedDependency.isPresent()) {
            return Optional.of(release.getApplication() + " " + release.getVersion() + " depends on "
                    + unsignedDependency.get() + ", which its signature does not name");
        }
        try {
            ReleaseVerifier.check(
                    trust,
                    manifest(release),
                    signature.getKeyId(),
                    signature.getValue().toByteArray(),
                    newestApplied(record),
                    record.previous() != null
                            && record.previous().getReleaseId().equals(release.getReleaseId()));
            return Optional.empty();
        } catch (TrustException e) {
            return Optional.of(e.getMessage());
        } catch (IllegalArgumentException e) {
            return Optional.of(release.getApplication() + " " + release.getVersion() + ": its signature is incomplete ("
                    + e.getMessage() + ")");
        }
    }

    /** The manifest as the signer saw it, rebuilt from what was delivered. */
    public static ReleaseManifest manifest(AppRelease r) {
        ReleaseSignature signature = r.getSignature();
        Set<String> secret = new HashSet<>(signature.getSecretEnvNamesList());
        Map<String, String> plain = new LinkedHashMap<>();
        r.getEnvMap().forEach((k, v) -> {
            if (!secret.contains(k)) {
                plain.put(k, v);
            }
        });
        return new ReleaseManifest(
                r.getApplication(),
                r.getVersion(),
                r.getArtifactSha256(),
                r.getStartList(),
                plain,
                signature.getSecretEnvNamesList(),
                r.getConfigFilesMap(),
                r.hasHealthCheck() ? health(r.getHealthCheck()) : null,
                r.getRunAs(),
                signature.getDependsOnList(),
                signature.hasIssuedAt() ? instant(signature.getIssuedAt()) : null);
    }

    private static Map<String, Object> health(HealthCheck h) {
        int timeout = h.getTimeoutSeconds();
        return switch (h.getKindCase()) {
            case HTTP ->
                ReleaseManifest.httpCheck(h.getHttp().getPort(), h.getHttp().getPath(), timeout);
            case TCP -> ReleaseManifest.tcpCheck(h.getTcp().getPort(), timeout);
            case COMMAND -> ReleaseManifest.commandCheck(h.getCommand().getArgvList(), timeout);
            case KIND_NOT_SET -> null;
        };
    }

    /** The newest issue time among the signed releases this node runs or ran just before. */
    private static Instant newestApplied(AppRecord record) {
        return Stream.of(record.release(), record.previous())
                .filter(r -> r != null && r.hasSignature() && r.getSignature().hasIssuedAt())
                .map(r -> instant(r.getSignature().getIssuedAt()))
                .max(Instant::compareTo)
                .orElse(null);
    }

    private static Instant instant(com.google.protobuf.Timestamp t) {
        return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
    }

    private static ReleaseKeySet.Signed toKeySet(dev.tide.proto.agent.v1.ReleaseKeySet p) {
        ReleaseKeySet set = new ReleaseKeySet(
                p.getEnvironment(),
                p.getVersion(),
                p.getRequireSignatures(),
                p.getKeysList().stream()
                        .map(k -> new ReleaseKeySet.TrustedKey(
                                k.getId(), k.getPublicKey().toByteArray(), k.getName()))
                        .toList(),
                instant(p.getIssuedAt()));
        return new ReleaseKeySet.Signed(set, p.getSignedBy(), p.getSignature().toByteArray());
    }
}
