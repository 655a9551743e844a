package dev.tide.controlplane.security;

import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * What a console session needs to know about its user on every request: do they still exist, are
 * they enabled, what is their role now. Read from the database at most once per TTL per user, and
 * again at once after a change to that user commits on this replica.
 */
@Component
class SessionUsers {
    private final AppUserRepository users;
    private final LoginProperties properties;
    private final Clock clock;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    /** Counts changes, so that a read which raced with one is used once but not kept. */
    private final AtomicLong changes = new AtomicLong();

    /** The user as a session sees them: the role while they may sign in, empty otherwise. */
    private record Entry(Optional<Role> role, Instant expiresAt) {}

    SessionUsers(AppUserRepository users, LoginProperties properties, Clock clock) {
        this.users = users;
        this.properties = properties;
        this.clock = clock;
    }

    /** The user's current role, or empty when they were deleted or disabled. */
    Optional<Role> currentRole(String name) {
        Instant now = clock.instant();
        Entry entry = entries.get(name);
        if (entry == null || !now.isBefore(entry.expiresAt())) {
            long seen = changes.get();
            Optional<Role> role =
                    users.findById(name).filter(AppUser::isEnabled).map(AppUser::getRole);
            entry = new Entry(role, now.plus(properties.sessionRecheckTtl()));
            if (role.isPresent() && seen == changes.get()) {
                entries.put(name, entry); // only existing users: unknown names cannot fill the map
            } else {
                entries.remove(name);
            }
        }
        return entry.role();
    }

    @TransactionalEventListener(fallbackExecution = true)
    void on(UserChanged changed) {
        changes.incrementAndGet();
        entries.remove(changed.name());
    }

    /** Forgets everything: users may have changed on another replica while its notices were missed. */
    void clear() {
        changes.incrementAndGet();
        entries.clear();
    }
}
