package dev.tide.controlplane.releasekey;

import dev.tide.controlplane.application.TrustedReleaseKeys;
import dev.tide.controlplane.audit.AuditService;
import dev.tide.controlplane.environment.EnvironmentService;
import dev.tide.controlplane.node.DesiredStateWriter;
import dev.tide.controlplane.system.ConflictException;
import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.NotFoundException;
import dev.tide.security.release.ReleaseKeySet;
import java.time.Clock;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Each environment's release key set: which Ed25519 keys may sign its releases and whether it
 * requires them. A set is replaced only by one that the current set's keys signed (the first by
 * one of its own keys), the rule agents apply too; every node of the environment is then given
 * the new set as part of its desired state.
 */
@Service
public class ReleaseKeyService implements TrustedReleaseKeys {
    private final KeySetVersionRepository sets;
    private final EnvironmentService environments;
    private final DesiredStateWriter writer;
    private final AuditService audit;
    private final Clock clock;

    ReleaseKeyService(
            KeySetVersionRepository sets,
            EnvironmentService environments,
            DesiredStateWriter writer,
            AuditService audit,
            Clock clock) {
        this.sets = sets;
        this.environments = environments;
        this.writer = writer;
        this.audit = audit;
        this.clock = clock;
    }

    /** The environment's current set, empty when it has none. */
    @Transactional(readOnly = true)
    public Optional<ReleaseKeySet.Signed> current(String environment) {
        return sets.findFirstByEnvironmentOrderByVersionDesc(environment).map(KeySetVersion::signed);
    }

    @Override
    @Transactional(readOnly = true)
    public Optional<byte[]> publicKey(String keyId) {
        return sets.findAllCurrent().stream()
                .flatMap(s -> s.getKeys().stream())
                .filter(k -> k.id().equals(keyId))
                .findFirst()
                .map(k -> Base64.getDecoder().decode(k.publicKey()));
    }

    /** The environment's current set as stored; empty when it has none, 404 when the environment is missing. */
    @Transactional(readOnly = true)
    public Optional<KeySetView> find(String environment) {
        environments.get(environment);
        return sets.findFirstByEnvironmentOrderByVersionDesc(environment).map(KeySetView::of);
    }

    /**
     * Validates a signed key set as submitted (API or console) and makes it the environment's set:
     * 400 naming the invalid fields, 409 when the current set does not allow it.
     */
    @Transactional
    public KeySetView install(String environment, KeySetSpec spec) {
        if (spec == null) {
            throw InvalidInputException.field("body", "is required: a release key set signed with ./tide sign keys");
        }
        return KeySetView.of(replace(environment, spec.toSigned(environment)));
    }

    /**
     * Makes {@code next} the environment's set if the current one allows it, and sends it to the
     * environment's nodes. The same set as the current one again (a retried request) changes
     * nothing.
     */
    @Transactional
    KeySetVersion replace(String environment, ReleaseKeySet.Signed next) {
        if (sets.lockEnvironment(environment).isEmpty()) {
            throw new NotFoundException("environment", environment);
        }
        Optional<KeySetVersion> current = sets.findFirstByEnvironmentOrderByVersionDesc(environment);
        if (current.isPresent() && same(current.get().signed(), next)) {
            return current.get();
        }
        try {
            ReleaseKeySet.checkSuccessor(current.map(v -> v.signed().keySet()).orElse(null), next);
        } catch (ReleaseKeySet.TrustException e) {
            throw new ConflictException(e.getMessage());
        }
        KeySetVersion stored = sets.save(new KeySetVersion(next, AuditService.currentActor(), clock.instant()));
        ReleaseKeySet set = next.keySet();
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("version", set.version());
        details.put("requireSignatures", set.requireSignatures());
        details.put(
                "keys", set.keys().stream().map(ReleaseKeySet.TrustedKey::id).toList());
        details.put("signedBy", next.signedBy());
        audit.record("environment.release-keys", "environment/" + environment, details);
        writer.touchEnvironment(environment);
        return stored;
    }

    private static boolean same(ReleaseKeySet.Signed a, ReleaseKeySet.Signed b) {
        return Arrays.equals(a.keySet().canonical(), b.keySet().canonical())
                && a.signedBy().equals(b.signedBy())
                && Arrays.equals(a.signature(), b.signature());
    }
}
