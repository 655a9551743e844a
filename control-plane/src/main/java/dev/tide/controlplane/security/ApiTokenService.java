package dev.tide.controlplane.security;

import dev.tide.controlplane.audit.AuditService;
import dev.tide.controlplane.system.ConflictException;
import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.Names;
import dev.tide.controlplane.system.NotFoundException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** API tokens: created for the calling user, shown once, stored as a SHA-256 hash. */
@Service
public class ApiTokenService {
    static final String PREFIX = "tide_api_";
    private static final Duration TOUCH_INTERVAL = Duration.ofMinutes(1);

    private final ApiTokenRepository tokens;
    private final AppUserRepository users;
    private final AuditService audit;
    private final Clock clock;

    ApiTokenService(ApiTokenRepository tokens, AppUserRepository users, AuditService audit, Clock clock) {
        this.tokens = tokens;
        this.users = users;
        this.audit = audit;
        this.clock = clock;
    }

    /** A token and its secret, which exists only in this answer. */
    public record Created(ApiToken token, String secret) {}

    @Transactional
    public Created create(String owner, String name, Integer expiresInDays) {
        Names.requireName("name", name);
        if (expiresInDays != null && (expiresInDays < 1 || expiresInDays > 3650)) {
            throw InvalidInputException.field("expiresInDays", "must be between 1 and 3650");
        }
        if (tokens.existsByOwnerAndName(owner, name)) {
            throw new ConflictException("you already have a token named '" + name + "'");
        }
        Instant now = clock.instant();
        Instant expires = expiresInDays == null ? null : now.plus(Duration.ofDays(expiresInDays));
        String secret = Secrets.generate(PREFIX);
        ApiToken token = tokens.save(new ApiToken(name, owner, Secrets.hash(secret), now, expires));
        audit.record("token.create", "token/" + token.getId(), Map.of("name", name, "owner", owner));
        return new Created(token, secret);
    }

    /** Admins see every token, everyone else their own. */
    @Transactional(readOnly = true)
    public List<ApiToken> list(String caller, boolean admin) {
        return admin ? tokens.findAllByOrderByCreatedAtDesc() : tokens.findAllByOwnerOrderByCreatedAtDesc(caller);
    }

    @Transactional
    public void delete(UUID id, String caller, boolean admin) {
        ApiToken token = tokens.findById(id).orElseThrow(() -> new NotFoundException("token", id));
        if (!admin && !token.getOwner().equals(caller)) {
            throw new AccessDeniedException("not your token");
        }
        tokens.delete(token);
        audit.record("token.delete", "token/" + id, Map.of("name", token.getName(), "owner", token.getOwner()));
    }

    /**
     * The owner of a valid, unexpired token whose owner is enabled. Read-write: it records the
     * token's last use.
     */
    @Transactional
    public Optional<AppUser> authenticate(String secret) {
        if (secret == null || !secret.startsWith(PREFIX)) {
            return Optional.empty();
        }
        Instant now = clock.instant();
        return tokens.findByTokenHash(Secrets.hash(secret))
                .filter(t -> !t.isExpired(now))
                .flatMap(t -> {
                    tokens.touch(t.getId(), now, now.minus(TOUCH_INTERVAL));
                    return users.findById(t.getOwner());
                })
                .filter(AppUser::isEnabled);
    }
}
