package dev.tide.controlplane.console;

import dev.tide.controlplane.security.Role;
import java.util.Arrays;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * The signed-in user as templates need it: which controls to render. The server refuses the same
 * actions in {@code SecurityConfiguration}; hiding them here only keeps the pages honest.
 */
public record ConsoleUser(String name, Role role) {
    /** May upload artifacts, create releases and deployments, and act on deployments. */
    public boolean canDeploy() {
        return role.ordinal() >= Role.DEPLOYER.ordinal();
    }

    /** May manage environments, enrollment tokens, nodes, applications and users. */
    public boolean isAdmin() {
        return role == Role.ADMIN;
    }

    /** The current user, or null when nobody is signed in. */
    static ConsoleUser current() {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth == null || !auth.isAuthenticated() || "anonymousUser".equals(auth.getName())) {
            return null;
        }
        Role highest = Arrays.stream(Role.values())
                .filter(r -> auth.getAuthorities().stream()
                        .map(GrantedAuthority::getAuthority)
                        .anyMatch(a -> a.equals("ROLE_" + r.name())))
                .reduce((a, b) -> b)
                .orElse(null);
        return highest == null ? null : new ConsoleUser(auth.getName(), highest);
    }
}
