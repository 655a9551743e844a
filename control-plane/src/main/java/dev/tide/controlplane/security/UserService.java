package dev.tide.controlplane.security;

import dev.tide.controlplane.audit.AuditService;
import dev.tide.controlplane.system.ConflictException;
import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.Names;
import dev.tide.controlplane.system.NotFoundException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.core.userdetails.UsernameNotFoundException;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Users and their roles; also the source of credentials for HTTP Basic and form login. */
@Service
public class UserService implements UserDetailsService {
    static final int MIN_PASSWORD_LENGTH = 10;
    static final int MAX_PASSWORD_LENGTH = 128;

    private final AppUserRepository users;
    private final PasswordEncoder passwordEncoder;
    private final AuditService audit;
    private final Clock clock;
    private final ApplicationEventPublisher events;

    UserService(
            AppUserRepository users,
            PasswordEncoder passwordEncoder,
            AuditService audit,
            Clock clock,
            ApplicationEventPublisher events) {
        this.users = users;
        this.passwordEncoder = passwordEncoder;
        this.audit = audit;
        this.clock = clock;
        this.events = events;
    }

    @Override
    @Transactional(readOnly = true)
    public UserDetails loadUserByUsername(String username) {
        AppUser user = users.findById(username).orElseThrow(() -> new UsernameNotFoundException(username));
        return User.withUsername(user.getName())
                .password(user.getPasswordHash())
                .authorities(user.getRole().authorities())
                .disabled(!user.isEnabled())
                .build();
    }

    @Transactional(readOnly = true)
    public List<AppUser> list() {
        return users.findAllByOrderByNameAsc();
    }

    @Transactional(readOnly = true)
    public AppUser get(String name) {
        return users.findById(name).orElseThrow(() -> new NotFoundException("user", name));
    }

    @Transactional(readOnly = true)
    public boolean any() {
        return users.count() > 0;
    }

    @Transactional
    public AppUser create(String name, String password, Role role) {
        Names.requireName("name", name);
        checkPassword(password);
        if (role == null) {
            throw InvalidInputException.field("role", "is required: ADMIN, DEPLOYER or VIEWER");
        }
        if (users.existsById(name)) {
            throw new ConflictException("user '" + name + "' already exists");
        }
        AppUser user = users.save(new AppUser(name, passwordEncoder.encode(password), role, clock.instant()));
        audit.record("user.create", "user/" + name, Map.of("role", role.name()));
        return user;
    }

    /**
     * Changes the given attributes; {@code null} leaves one as it is. Cached credentials and
     * console sessions of the user follow the change as soon as it commits.
     */
    @Transactional
    public AppUser update(String name, String password, Role role, Boolean enabled) {
        AppUser user = get(name);
        if (password != null) {
            checkPassword(password);
            user.changePassword(passwordEncoder.encode(password), clock.instant());
        }
        boolean losesAdmin =
                user.getRole() == Role.ADMIN && ((role != null && role != Role.ADMIN) || Boolean.FALSE.equals(enabled));
        if (losesAdmin && user.isEnabled() && users.countByRoleAndEnabledTrue(Role.ADMIN) <= 1) {
            throw new ConflictException("user '" + name + "' is the last enabled admin; make another admin first");
        }
        if (role != null) {
            user.changeRole(role, clock.instant());
        }
        if (enabled != null) {
            user.setEnabled(enabled, clock.instant());
        }
        audit.record(
                "user.update",
                "user/" + name,
                Map.of(
                        "passwordChanged", password != null,
                        "role", user.getRole().name(),
                        "enabled", user.isEnabled()));
        events.publishEvent(new UserChanged(name));
        return user;
    }

    @Transactional
    public void delete(String name) {
        AppUser user = get(name);
        if (user.getRole() == Role.ADMIN && user.isEnabled() && users.countByRoleAndEnabledTrue(Role.ADMIN) <= 1) {
            throw new ConflictException("user '" + name + "' is the last enabled admin and cannot be deleted");
        }
        users.delete(user);
        audit.record("user.delete", "user/" + name, Map.of());
        events.publishEvent(new UserChanged(name));
    }

    /**
     * Creates the first admin at start-up, audited as {@code system}, unless a user exists by then:
     * replicas starting together on an empty database take turns, and only the first creates it.
     *
     * @return whether this call created the admin
     */
    @Transactional
    boolean bootstrapAdmin(String name, String password) {
        users.lockBootstrap();
        if (users.count() > 0) {
            return false; // another replica was first
        }
        users.save(new AppUser(name, passwordEncoder.encode(password), Role.ADMIN, clock.instant()));
        audit.recordAs("system", "user.bootstrap", "user/" + name, Map.of("role", Role.ADMIN.name()));
        return true;
    }

    private static void checkPassword(String password) {
        if (password == null || password.length() < MIN_PASSWORD_LENGTH || password.length() > MAX_PASSWORD_LENGTH) {
            throw InvalidInputException.field(
                    "password", "must be " + MIN_PASSWORD_LENGTH + " to " + MAX_PASSWORD_LENGTH + " characters long");
        }
    }
}
