package dev.tide.controlplane.environment;

import dev.tide.controlplane.audit.AuditService;
import dev.tide.controlplane.security.Secrets;
import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.NotFoundException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** Creates, lists, revokes and redeems enrollment tokens. */
@Service
public class EnrollmentTokenService {
    static final String PREFIX = "tide_enroll_";
    static final int DEFAULT_TTL_MINUTES = 60;
    static final int MAX_TTL_MINUTES = 7 * 24 * 60;

    private final EnrollmentTokenRepository tokens;
    private final EnvironmentService environments;
    private final AuditService audit;
    private final Clock clock;

    EnrollmentTokenService(
            EnrollmentTokenRepository tokens, EnvironmentService environments, AuditService audit, Clock clock) {
        this.tokens = tokens;
        this.environments = environments;
        this.audit = audit;
        this.clock = clock;
    }

    /** A token and its secret, which exists only in this answer. */
    public record Created(EnrollmentToken token, String secret) {}

    @Transactional
    public Created create(String environment, Integer ttlMinutes, String description) {
        environments.get(environment);
        int ttl = ttlMinutes == null ? DEFAULT_TTL_MINUTES : ttlMinutes;
        if (ttl < 1 || ttl > MAX_TTL_MINUTES) {
            throw InvalidInputException.field("ttlMinutes", "must be between 1 and " + MAX_TTL_MINUTES);
        }
        String desc = description == null ? "" : description;
        if (desc.length() > 200) {
            throw InvalidInputException.field("description", "must be at most 200 characters");
        }
        Instant now = clock.instant();
        String secret = Secrets.generate(PREFIX);
        EnrollmentToken token = tokens.save(new EnrollmentToken(
                environment,
                Secrets.hash(secret),
                desc,
                AuditService.currentActor(),
                now,
                now.plus(Duration.ofMinutes(ttl))));
        audit.record(
                "enrollment-token.create",
                "environment/" + environment,
                Map.of(
                        "tokenId",
                        token.getId().toString(),
                        "expiresAt",
                        token.getExpiresAt().toString()));
        return new Created(token, secret);
    }

    @Transactional(readOnly = true)
    public List<EnrollmentToken> list(String environment) {
        environments.get(environment);
        return tokens.findAllByEnvironmentOrderByCreatedAtDesc(environment);
    }

    @Transactional
    public void revoke(String environment, UUID id) {
        EnrollmentToken token = tokens.findById(id)
                .filter(t -> t.getEnvironment().equals(environment))
                .orElseThrow(() -> new NotFoundException("enrollment token", id));
        tokens.delete(token);
        audit.record("enrollment-token.revoke", "environment/" + environment, Map.of("tokenId", id.toString()));
    }

    /**
     * Redeems a token inside the caller's transaction: returns the active token (now marked
     * used by {@code nodeId}), or empty when it is unknown, used or expired.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public Optional<EnrollmentToken> redeem(String secret, UUID nodeId) {
        if (secret == null || !secret.startsWith(PREFIX)) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        return tokens.findByTokenHashForUpdate(Secrets.hash(secret))
                .filter(t -> t.status(now).equals("ACTIVE"))
                .map(t -> {
                    t.markUsed(nodeId, now);
                    return t;
                });
    }
}
