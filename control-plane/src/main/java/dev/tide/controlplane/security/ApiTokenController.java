package dev.tide.controlplane.security;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/tokens}: API tokens of the caller (all of them for admins). */
@RestController
@RequestMapping("/api/v1/tokens")
class ApiTokenController {
    private final ApiTokenService tokens;

    ApiTokenController(ApiTokenService tokens) {
        this.tokens = tokens;
    }

    record TokenView(UUID id, String name, String owner, Instant createdAt, Instant expiresAt, Instant lastUsedAt) {
        static TokenView of(ApiToken t) {
            return new TokenView(
                    t.getId(), t.getName(), t.getOwner(), t.getCreatedAt(), t.getExpiresAt(), t.getLastUsedAt());
        }
    }

    /** The only answer that ever contains the token itself. */
    record CreatedTokenView(UUID id, String name, String owner, Instant createdAt, Instant expiresAt, String token) {}

    record CreateToken(@NotNull String name, Integer expiresInDays) {}

    @GetMapping
    List<TokenView> list(Authentication auth) {
        return tokens.list(auth.getName(), isAdmin(auth)).stream()
                .map(TokenView::of)
                .toList();
    }

    @PostMapping
    @ResponseStatus(HttpStatus.CREATED)
    CreatedTokenView create(@Valid @RequestBody CreateToken body, Authentication auth) {
        ApiTokenService.Created created = tokens.create(auth.getName(), body.name(), body.expiresInDays());
        ApiToken t = created.token();
        return new CreatedTokenView(
                t.getId(), t.getName(), t.getOwner(), t.getCreatedAt(), t.getExpiresAt(), created.secret());
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(@PathVariable UUID id, Authentication auth) {
        tokens.delete(id, auth.getName(), isAdmin(auth));
    }

    private static boolean isAdmin(Authentication auth) {
        return auth.getAuthorities().stream().anyMatch(a -> a.getAuthority().equals("ROLE_" + Role.ADMIN.name()));
    }
}
