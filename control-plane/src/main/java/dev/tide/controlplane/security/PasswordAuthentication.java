package dev.tide.controlplane.security;

import dev.tide.controlplane.audit.AuditService;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.InternalAuthenticationServiceException;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.authentication.dao.DaoAuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.web.authentication.WebAuthenticationDetails;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Checks a user name and password, for HTTP Basic and the console's login form alike. In order:
 * refused while the user or the client address is throttled (even the right password, and without
 * comparing it); accepted from {@link CredentialCache} when the same credentials passed a moment
 * ago; otherwise compared with bcrypt, and the outcome counted by {@link LoginThrottle}. Every
 * bcrypt comparison is counted in the metric {@code tide.auth.password.checks}. Both security
 * chains use this manager explicitly; it is not an {@code AuthenticationProvider} bean, so Spring
 * Security's global manager is left as it is.
 */
@Component
class PasswordAuthentication implements AuthenticationManager {
    private static final Logger log = LoggerFactory.getLogger(PasswordAuthentication.class);

    /** bcrypt against the user's hash; erases the password from its answer. */
    private final AuthenticationManager passwords;

    private final LoginThrottle throttle;
    private final CredentialCache cache;
    private final AuditService audit;
    private final TransactionTemplate transaction;

    PasswordAuthentication(
            UserService users,
            PasswordEncoder encoder,
            LoginThrottle throttle,
            CredentialCache cache,
            AuditService audit,
            PlatformTransactionManager transactions,
            MeterRegistry meters) {
        Counter checks = Counter.builder("tide.auth.password.checks")
                .description("Password hash comparisons (bcrypt) made to authenticate users")
                .register(meters);
        DaoAuthenticationProvider dao = new DaoAuthenticationProvider(users);
        dao.setPasswordEncoder(new CountingEncoder(encoder, checks));
        this.passwords = new ProviderManager(dao);
        this.throttle = throttle;
        this.cache = cache;
        this.audit = audit;
        this.transaction = new TransactionTemplate(transactions);
    }

    @Override
    public Authentication authenticate(Authentication attempt) {
        String user = attempt.getName();
        String password =
                attempt.getCredentials() == null ? "" : attempt.getCredentials().toString();
        String address = attempt.getDetails() instanceof WebAuthenticationDetails web ? web.getRemoteAddress() : null;
        Optional<Duration> wait = throttle.retryAfter(user, address);
        if (wait.isPresent()) {
            throw new LoginThrottledException(wait.get());
        }
        Optional<Authentication> cached = cache.get(user, password);
        if (cached.isPresent()) {
            var fresh = UsernamePasswordAuthenticationToken.authenticated(
                    cached.get().getPrincipal(), null, cached.get().getAuthorities());
            fresh.setDetails(attempt.getDetails());
            return fresh;
        }
        long version = cache.version();
        Authentication result;
        try {
            result = passwords.authenticate(attempt);
        } catch (InternalAuthenticationServiceException e) {
            throw e; // the database failed, not the user
        } catch (AuthenticationException e) {
            auditLockouts(user, address, throttle.failed(user, address));
            throw e;
        }
        throttle.succeeded(user);
        cache.put(user, password, result, version);
        return result;
    }

    private void auditLockouts(String user, String address, List<LoginThrottle.Lockout> lockouts) {
        for (LoginThrottle.Lockout lockout : lockouts) {
            log.warn(
                    "Sign-ins for {} refused for {} s after {} failed passwords",
                    lockout.subject(),
                    lockout.lockedFor().toSeconds(),
                    lockout.failures());
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("failures", lockout.failures());
            details.put("lockedSeconds", lockout.lockedFor().toSeconds());
            details.put("user", user.length() > 128 ? user.substring(0, 128) : user);
            if (address != null) {
                details.put("address", address);
            }
            transaction.executeWithoutResult(
                    tx -> audit.recordAs("system", "login.throttle", lockout.subject(), details));
        }
    }

    /** The configured encoder, counting comparisons; encoding new passwords is not counted. */
    private record CountingEncoder(PasswordEncoder delegate, Counter checks) implements PasswordEncoder {
        @Override
        public String encode(CharSequence raw) {
            return delegate.encode(raw);
        }

        @Override
        public boolean matches(CharSequence raw, String encoded) {
            checks.increment();
            return delegate.matches(raw, encoded);
        }

        @Override
        public boolean upgradeEncoding(String encoded) {
            return delegate.upgradeEncoding(encoded);
        }
    }
}
