package dev.tide.controlplane.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.security.authentication.AnonymousAuthenticationToken;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.AuthorityUtils;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Holds a console session to its user as they are now, on every request: a deleted or disabled
 * user's session ends (sent to the login page), and a changed role replaces the session's role
 * before any access rule is checked. Without it a session kept the rights it signed in with.
 */
class SessionRecheckFilter extends OncePerRequestFilter {
    private static final String ROLE_PREFIX = "ROLE_";

    private final SessionUsers users;
    private final SecurityContextRepository contexts;

    SessionRecheckFilter(SessionUsers users, SecurityContextRepository contexts) {
        this.users = users;
        this.contexts = contexts;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        if (auth == null || !auth.isAuthenticated() || auth instanceof AnonymousAuthenticationToken) {
            chain.doFilter(request, response);
            return;
        }
        Optional<Role> role = users.currentRole(auth.getName());
        if (role.isEmpty()) {
            SecurityContextHolder.clearContext();
            HttpSession session = request.getSession(false);
            if (session != null) {
                session.invalidate();
            }
            response.sendRedirect(request.getContextPath() + "/login?ended");
            return;
        }
        Set<String> now = Set.of(role.get().authorities());
        Set<String> held = auth.getAuthorities().stream()
                .map(GrantedAuthority::getAuthority)
                .filter(a -> a != null && a.startsWith(ROLE_PREFIX))
                .collect(Collectors.toSet());
        if (!held.equals(now)) {
            SecurityContext context = SecurityContextHolder.createEmptyContext();
            context.setAuthentication(withRoles(auth, role.get()));
            SecurityContextHolder.setContext(context);
            contexts.saveContext(context, request, response);
        }
        chain.doFilter(request, response);
    }

    /** The same sign-in with the role's authorities; the others (how the user signed in) stay. */
    private static Authentication withRoles(Authentication auth, Role role) {
        List<GrantedAuthority> authorities = new ArrayList<>();
        auth.getAuthorities().stream()
                .filter(a -> a.getAuthority() == null || !a.getAuthority().startsWith(ROLE_PREFIX))
                .forEach(authorities::add);
        authorities.addAll(AuthorityUtils.createAuthorityList(role.authorities()));
        var replaced = UsernamePasswordAuthenticationToken.authenticated(auth.getPrincipal(), null, authorities);
        replaced.setDetails(auth.getDetails());
        return replaced;
    }
}
