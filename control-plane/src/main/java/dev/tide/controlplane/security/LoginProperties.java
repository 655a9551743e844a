package dev.tide.controlplane.security;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Password sign-ins, HTTP Basic and the console's form ({@code tide.login.*}). Failures are counted
 * in the database, once for all replicas; each replica keeps its own caches, and the TTLs bound how
 * long another replica may lag behind a change.
 *
 * @param maxFailures failed passwords for one user name within {@code failureWindow} that lock it
 * @param maxFailuresPerAddress failed passwords from one client address within {@code
 *     failureWindow} that lock the address (higher: offices and proxies share one)
 * @param failureWindow how long failures are counted together
 * @param lockout the first lock; each further one while failures go on doubles it
 * @param maxLockout the longest lock
 * @param credentialCacheTtl how long a verified user name and password is accepted again without
 *     a bcrypt comparison (a change to the user ends it at once on this replica)
 * @param credentialCacheSize most verified credentials kept
 * @param sessionRecheckTtl how long a console session's view of its user (enabled, role) is
 *     reused before it is read again (a change to the user ends it at once on this replica)
 */
@ConfigurationProperties("tide.login")
public record LoginProperties(
        Integer maxFailures,
        Integer maxFailuresPerAddress,
        Duration failureWindow,
        Duration lockout,
        Duration maxLockout,
        Duration credentialCacheTtl,
        Integer credentialCacheSize,
        Duration sessionRecheckTtl) {
    public LoginProperties {
        maxFailures = maxFailures == null ? 5 : maxFailures;
        maxFailuresPerAddress = maxFailuresPerAddress == null ? 20 : maxFailuresPerAddress;
        failureWindow = failureWindow == null ? Duration.ofMinutes(5) : failureWindow;
        lockout = lockout == null ? Duration.ofSeconds(30) : lockout;
        maxLockout = maxLockout == null ? Duration.ofMinutes(15) : maxLockout;
        credentialCacheTtl = credentialCacheTtl == null ? Duration.ofSeconds(30) : credentialCacheTtl;
        credentialCacheSize = credentialCacheSize == null ? 1000 : credentialCacheSize;
        sessionRecheckTtl = sessionRecheckTtl == null ? Duration.ofSeconds(5) : sessionRecheckTtl;
        if (maxFailures < 1 || maxFailuresPerAddress < 1) {
            throw new IllegalArgumentException("tide.login.max-failures and max-failures-per-address must be >= 1");
        }
        if (lockout.isNegative() || lockout.isZero() || maxLockout.compareTo(lockout) < 0) {
            throw new IllegalArgumentException("tide.login.lockout must be positive and at most max-lockout");
        }
    }
}
