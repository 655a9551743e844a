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

    record TokenView(
            UUID id,
            String environment,
            String description,
            String status,
            String createdBy,
            Instant createdAt,
            Instant expiresAt,
            Instant usedAt,
            UUID usedBy) {}

    /** The only answer that ever contains the token itself. */
    record CreatedTokenView(UUID id, String environment, String token, Instant expiresAt) {}

    record CreateToken(Integer ttlMinutes, String description) {}

    @GetMapping
    List<TokenView> list(@PathVariable String environment) {
        Instant now = clock.instant();
        return tokens.list(environment).stream()
                .map(t -> new TokenView(
                        t.getId(),
                        t.getEnvironment(),
                        t.getDescription(),
                        t.status(now),
                        t.getCreatedBy(),
                        t.getCreatedAt(),
                        t.getExpiresAt(),
                        t.getUsedAt(),
                        t.getUsedBy()))
                .toList();
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    CreatedTokenView create(@PathVariable String environment, @RequestBody(required = false) CreateToken body) {
        CreateToken b = body == null ? new CreateToken(null, null) : body;
        EnrollmentTokenService.Created created = tokens.create(environment, b.ttlMinutes(), b.description());
        return new CreatedTokenView(
                created.token().getId(),
                environment,
                created.secret(),
                created.token().getExpiresAt());
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void revoke(@PathVariable String environment, @PathVariable UUID id) {
        tokens.revoke(environment, id);
    }
}
