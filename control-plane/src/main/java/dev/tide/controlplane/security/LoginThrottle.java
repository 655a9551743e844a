package dev.tide.controlplane.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;

/**
 * Counts failed password sign-ins per user name and per client address. A key with too many
 * failures in the window is locked; while either key of an attempt is locked the attempt is
 * refused before any password is compared, so guessing stops and so does the bcrypt work it costs.
 * Each lock of a key that keeps failing lasts twice the one before, up to a maximum. A success
 * clears the user's key but not the address's: one valid account must not reset the count of a
 * client that guesses other users' passwords. Decisions only, in memory; the caller audits.
 */
@Component
class LoginThrottle {
    /** Keys beyond this are dropped, oldest state first, so that random names cannot fill memory. */
    static final int MAX_KEYS = 100_000;

    private static final int MAX_NAME = 128;

    private final LoginProperties properties;
    private final Clock clock;
    private final Map<String, Failures> keys = new ConcurrentHashMap<>();

    LoginThrottle(LoginProperties properties, Clock clock) {
        this.properties = properties;
        this.clock = clock;
    }

    /** A key that has just been locked, for the audit log. */
    record Lockout(String subject, int failures, Duration lockedFor) {}

    /** The failures counted for one key; immutable, replaced atomically. */
    private record Failures(int count, Instant windowStart, Instant lastFailure, Instant lockedUntil, int lockouts) {
        boolean locked(Instant now) {
            return now.isBefore(lockedUntil);
        }

        /** Quiet for a whole window after its last failure and its lock: forget it, growth included. */
        boolean forgotten(Instant now, Duration window) {
            Instant last = lastFailure.isAfter(lockedUntil) ? lastFailure : lockedUntil;
            return !now.isBefore(last.plus(window));
        }
    }

    /** How long the attempt must wait, or empty when neither the user nor the address is locked. */
    Optional<Duration> retryAfter(String user, String address) {
        Instant now = clock.instant();
        Duration wait = Duration.ZERO;
        for (String key : keysOf(user, address)) {
            Failures f = keys.get(key);
            if (f != null && f.locked(now)) {
                Duration left = Duration.between(now, f.lockedUntil());
                wait = left.compareTo(wait) > 0 ? left : wait;
            }
        }
        return wait.isZero() ? Optional.empty() : Optional.of(wait);
    }

    /** Counts a failed password for the user and the address; answers the keys it locked. */
    List<Lockout> failed(String user, String address) {
        Instant now = clock.instant();
        if (keys.size() >= MAX_KEYS) {
            prune(now);
        }
        List<Lockout> locked = new ArrayList<>(2);
        for (String key : keysOf(user, address)) {
            int limit = key.startsWith("user/") ? properties.maxFailures() : properties.maxFailuresPerAddress();
            keys.compute(key, (k, known) -> {
                Failures before = known == null || known.forgotten(now, properties.failureWindow())
                        ? new Failures(0, now, now, Instant.EPOCH, 0)
                        : known;
                Failures after = fail(before, now, limit);
                if (after.lockouts() > before.lockouts()) {
                    locked.add(new Lockout(key, limit, Duration.between(now, after.lockedUntil())));
                }
                return after;
            });
        }
        return locked;
    }

    /** A correct password: the user's failures are forgotten. */
    void succeeded(String user) {
        keys.remove(userKey(user));
    }

    private Failures fail(Failures before, Instant now, int limit) {
        Duration window = properties.failureWindow();
        if (before.locked(now)) {
            return before; // refused before it was checked; only a race gets here
        }
        boolean newWindow = !now.isBefore(before.windowStart().plus(window));
        int count = (newWindow ? 0 : before.count()) + 1;
        Instant windowStart = newWindow ? now : before.windowStart();
        if (count < limit) {
            return new Failures(count, windowStart, now, before.lockedUntil(), before.lockouts());
        }
        int lockouts = before.lockouts() + 1;
        return new Failures(0, now, now, now.plus(lockFor(lockouts)), lockouts);
    }

    /** The first lock, doubled for each lock before it, at most the maximum. */
    private Duration lockFor(int lockouts) {
        Duration lock = properties.lockout();
        for (int i = 1; i < lockouts && lock.compareTo(properties.maxLockout()) < 0; i++) {
            lock = lock.multipliedBy(2);
        }
        return lock.compareTo(properties.maxLockout()) > 0 ? properties.maxLockout() : lock;
    }

    /** Drops forgotten keys; when that is not enough, every key that is not locked right now. */
    private void prune(Instant now) {
        keys.values().removeIf(f -> f.forgotten(now, properties.failureWindow()));
        if (keys.size() >= MAX_KEYS) {
            keys.values().removeIf(f -> !f.locked(now));
        }
    }

    private static List<String> keysOf(String user, String address) {
        return address == null || address.isBlank()
                ? List.of(userKey(user))
                : List.of(userKey(user), "address/" + address);
    }

    private static String userKey(String user) {
        String name = user == null ? "" : user.toLowerCase(Locale.ROOT);
        return "user/" + (name.length() > MAX_NAME ? name.substring(0, MAX_NAME) : name);
    }
}
