package dev.tide.controlplane.security;

import java.time.Duration;
import org.springframework.security.core.AuthenticationException;

/**
 * A password sign-in refused without checking the password, because the user name or the client
 * address failed too often: 429 with {@code Retry-After} on the API, a message on the login page.
 */
class LoginThrottledException extends AuthenticationException {
    private final Duration retryAfter;

    LoginThrottledException(Duration retryAfter) {
        super("too many failed sign-ins; retry after " + seconds(retryAfter) + " s");
        this.retryAfter = retryAfter;
    }

    /** Whole seconds to wait, at least one, as {@code Retry-After} wants them. */
    long retryAfterSeconds() {
        return seconds(retryAfter);
    }

    private static long seconds(Duration d) {
        return Math.max(1, (d.toMillis() + 999) / 1000);
    }
}
