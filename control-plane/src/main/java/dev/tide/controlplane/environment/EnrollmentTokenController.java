package dev.tide.controlplane.environment;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/environments/{name}/enrollment-tokens}: tokens agents enroll with. */
@RestController
@RequestMapping("/api/v1/environments/{environment}/enrollment-tokens")
class EnrollmentTokenController {
    private final EnrollmentTokenService tokens;
    private final Clock clock;

    EnrollmentTokenController(EnrollmentTokenService tokens, Clock clock) {
        this.tokens = tokens;
        this.clock = clock;
    }

    /** {@code usedAt} and {@code usedBy} are the last use: its time and the node it enrolled. */
    record TokenView(
            UUID id,
            String environment,
            String description,
            String status,
            int maxUses,
            int uses,
            String createdBy,
            Instant createdAt,
            Instant expiresAt,
            Instant usedAt,
            UUID usedBy,
            Instant revokedAt,
            String revokedBy,
            String node) {
        static TokenView of(EnrollmentToken t, Instant now) {
            return new TokenView(
                    t.getId(),
                    t.getEnvironment(),
                    t.getDescription(),
                    t.status(now),
                    t.getMaxUses(),
                    t.getUses(),
                    t.getCreatedBy(),
                    t.getCreatedAt(),
                    t.getExpiresAt(),
                    t.getUsedAt(),
                    t.getUsedBy(),
                    t.getRevokedAt(),
                    t.getRevokedBy(),
                    t.getNodeName());
        }
    }

    /** The only answer that ever contains the token itself. */
    record CreatedTokenView(
            UUID id,
            String environment,
            String token,
            String description,
            String status,
            int maxUses,
            int uses,
            Instant expiresAt,
            String node) {}

    /**
     * Every field is optional: one hour, one use and no description by default. {@code node}: the
     * token enrolls only that name, and enrolls it again if it exists (a wiped or replaced agent).
     */
    record CreateToken(Integer ttlMinutes, Integer maxUses, String description, String node) {}

    @GetMapping
    List<TokenView> list(@PathVariable String environment) {
        Instant now = clock.instant();
        return tokens.list(environment).stream().map(t -> TokenView.of(t, now)).toList();
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    CreatedTokenView create(@PathVariable String environment, @RequestBody(required = false) CreateToken body) {
        CreateToken b = body == null ? new CreateToken(null, null, null, null) : body;
        EnrollmentTokenService.Created created =
                tokens.create(environment, b.ttlMinutes(), b.maxUses(), b.description(), b.node());
        EnrollmentToken t = created.token();
        return new CreatedTokenView(
                t.getId(),
                environment,
                created.secret(),
                t.getDescription(),
                t.status(clock.instant()),
                t.getMaxUses(),
                t.getUses(),
                t.getExpiresAt(),
                t.getNodeName());
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revoke(@PathVariable String environment, @PathVariable UUID id) {
        tokens.revoke(environment, id);
    }
}
