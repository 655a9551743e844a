package dev.tide.controlplane.environment;

import dev.tide.controlplane.audit.AuditService;
import dev.tide.controlplane.pki.ControlPlanePki;
import dev.tide.controlplane.security.Secrets;
import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.InvalidInputException.FieldError;
import dev.tide.controlplane.system.Names;
import dev.tide.controlplane.system.NotFoundException;
import jakarta.persistence.EntityManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** Creates, lists, revokes and redeems enrollment tokens. */
@Service
public class EnrollmentTokenService {
    static final String PREFIX = "tide_enroll_";
    static final int DEFAULT_TTL_MINUTES = 60;
    static final int MAX_TTL_MINUTES = 7 * 24 * 60;
    /** One token enrolls one node unless asked otherwise, as before multi-use tokens. */
    public static final int DEFAULT_MAX_USES = 1;
    /** Ten times the largest fleet we measure; a larger value is more likely a typo than a plan. */
    public static final int MAX_MAX_USES = 100_000;

    private final EnrollmentTokenRepository tokens;
    private final EnvironmentService environments;
    private final EntityManager entityManager;
    private final AuditService audit;
    private final ControlPlanePki pki;
    private final Clock clock;

    EnrollmentTokenService(
            EnrollmentTokenRepository tokens,
            EnvironmentService environments,
            EntityManager entityManager,
            AuditService audit,
            ControlPlanePki pki,
            Clock clock) {
        this.tokens = tokens;
        this.environments = environments;
        this.entityManager = entityManager;
        this.audit = audit;
        this.pki = pki;
        this.clock = clock;
    }

    /**
     * A token and what an agent is given, which exists only in this answer: the secret, then
     * {@code .} and the fingerprint of the CA the agent pins before it sends anything.
     */
    public record Created(EnrollmentToken token, String secret) {}

    /** Null arguments take the defaults: one hour, one use, no description. */
    @Transactional
    public Created create(String environment, Integer ttlMinutes, Integer maxUses, String description) {
        return create(environment, ttlMinutes, maxUses, description, null);
    }

    /**
     * As {@link #create(String, Integer, Integer, String)}; with a {@code node} name the token
     * enrolls that name only, once, and may enroll it again when a node of that name exists: the
     * node keeps its id and history, and its older certificates are refused (an agent whose data
     * dir was wiped, a replaced machine).
     */
    @Transactional
    public Created create(String environment, Integer ttlMinutes, Integer maxUses, String description, String node) {
        environments.get(environment);
        int ttl = ttlMinutes == null ? DEFAULT_TTL_MINUTES : ttlMinutes;
        int max = maxUses == null ? DEFAULT_MAX_USES : maxUses;
        String desc = description == null ? "" : description;
        List<FieldError> errors = new ArrayList<>();
        if (ttl < 1 || ttl > MAX_TTL_MINUTES) {
            errors.add(new FieldError("ttlMinutes", "must be between 1 and " + MAX_TTL_MINUTES));
        }
        if (max < 1 || max > MAX_MAX_USES) {
            errors.add(new FieldError("maxUses", "must be between 1 and " + MAX_MAX_USES));
        }
        if (desc.length() > 200) {
            errors.add(new FieldError("description", "must be at most 200 characters"));
        }
        if (node != null && !Names.isName(node)) {
            errors.add(new FieldError("node", Names.NAME_RULE));
        }
        if (node != null && max != 1) {
            errors.add(new FieldError("maxUses", "must be 1 for a token that enrolls one node (node '" + node + "')"));
        }
        if (!errors.isEmpty()) {
            throw InvalidInputException.fields(errors);
        }
        Instant now = clock.instant();
        String secret = Secrets.generate(PREFIX);
        EnrollmentToken token = tokens.save(new EnrollmentToken(
                environment,
                Secrets.hash(secret),
                desc,
                AuditService.currentActor(),
                now,
                now.plus(Duration.ofMinutes(ttl)),
                max,
                node));
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("tokenId", token.getId().toString());
        details.put("expiresAt", token.getExpiresAt().toString());
        details.put("maxUses", max);
        if (node != null) {
            details.put("node", node);
        }
        audit.record("enrollment-token.create", "environment/" + environment, details);
        return new Created(
                token,
                dev.tide.security.EnrollmentToken.of(secret, pki.caFingerprint())
                        .text());
    }

    @Transactional(readOnly = true)
    public List<EnrollmentToken> list(String environment) {
        environments.get(environment);
        return tokens.findAllByEnvironmentOrderByCreatedAtDesc(environment);
    }

    /**
     * Stops the token from enrolling more nodes; the nodes it enrolled stay. The token stays
     * listed as REVOKED with its uses. Revoking it again changes nothing.
     */
    @Transactional
    public void revoke(String environment, UUID id) {
        EnrollmentToken token = tokens.findByIdForUpdate(id)
                .filter(t -> t.getEnvironment().equals(environment))
                .orElseThrow(() -> new NotFoundException("enrollment token", id));
        if (token.getRevokedAt() != null) {
            return;
        }
        token.revoke(AuditService.currentActor(), clock.instant());
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("tokenId", id.toString());
        details.put("uses", token.getUses());
        details.put("maxUses", token.getMaxUses());
        audit.record("enrollment-token.revoke", "environment/" + environment, details);
    }

    /**
     * The token {@code secret} names, if it can enroll a node now. A plain read: the caller
     * prepares the node, then {@link #claimUse} decides.
     *
     * @throws AccessDeniedException saying why the token cannot be used
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public EnrollmentToken usable(String secret) {
        EnrollmentToken token = find(secret).orElse(null);
        if (token == null) {
            throw new AccessDeniedException("the enrollment token is unknown");
        }
        String refusal = refusal(token, clock.instant());
        if (refusal != null) {
            throw new AccessDeniedException(refusal);
        }
        return token;
    }

    /**
     * The token {@code secret} names, in whatever state (a retried enrollment is judged by the node
     * it already made). Accepts the token as handed to agents, with its CA fingerprint.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public Optional<EnrollmentToken> find(String secret) {
        String bare = secret == null ? "" : secret.trim();
        int dot = bare.lastIndexOf('.');
        if (dot >= 0) {
            bare = bare.substring(0, dot);
        }
        return bare.startsWith(PREFIX) ? tokens.findByTokenHash(Secrets.hash(bare)) : Optional.empty();
    }

    /**
     * Takes one use of {@code token} for {@code nodeId} in the caller's transaction and answers
     * its number (1 for the first). The use is audited as done by {@code actor} under the token's
     * own subject, so {@code GET /api/v1/audit?subject=environment/ENV/enrollment-tokens/ID}
     * lists every node the token enrolled. From here until the transaction ends, other
     * enrollments with this token wait for its row lock: call this last, just before commit. If
     * the transaction rolls back, so does the use.
     *
     * @throws AccessDeniedException when another enrollment took the last use, or the token
     *     expired or was revoked since {@link #usable}
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public int claimUse(EnrollmentToken token, UUID nodeId, String actor) {
        Instant now = clock.instant();
        Integer number = tokens.claimUse(token.getId(), nodeId, now).orElse(null);
        if (number == null) {
            entityManager.refresh(token);
            String refusal = refusal(token, now);
            throw new AccessDeniedException(refusal != null ? refusal : "the enrollment token can no longer be used");
        }
        audit.recordAs(
                actor,
                "enrollment-token.use",
                "environment/" + token.getEnvironment() + "/enrollment-tokens/" + token.getId(),
                Map.of(
                        "tokenId", token.getId().toString(),
                        "nodeId", nodeId.toString(),
                        "use", number,
                        "maxUses", token.getMaxUses()));
        return number;
    }

    /** Why the token cannot enroll a node at {@code now}, addressed to the agent's operator; null if it can. */
    private static String refusal(EnrollmentToken token, Instant now) {
        return switch (token.status(now)) {
            case "REVOKED" -> "the enrollment token was revoked";
            case "USED" ->
                token.getMaxUses() == 1
                        ? "the enrollment token was already used"
                        : "the enrollment token is used up: all " + token.getMaxUses() + " of its uses are taken";
            case "EXPIRED" -> "the enrollment token expired at " + token.getExpiresAt();
            default -> null;
        };
    }
}
