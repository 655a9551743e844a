package dev.tide.controlplane.security;

import dev.tide.controlplane.system.DatabaseOutage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;
import org.springframework.stereotype.Component;

/**
 * Once a minute on every replica: deletes expired console sessions and the login throttle's rows
 * of keys quiet for a window. Each is one indexed statement that skips rows another replica holds,
 * so replicas cleaning at the same moment share the work instead of waiting on each other, and a
 * replica that is down leaves it to the others. Replaces Spring Session's own timer
 * ({@code spring.session.jdbc.cleanup-cron=-}), which logged a database outage as an error.
 */
@Component
class SignInCleanup {
    private static final Logger log = LoggerFactory.getLogger(SignInCleanup.class);

    private final JdbcIndexedSessionRepository sessions;
    private final LoginThrottle throttle;

    SignInCleanup(JdbcIndexedSessionRepository sessions, LoginThrottle throttle) {
        this.sessions = sessions;
        this.throttle = throttle;
    }

    @Scheduled(fixedDelay = 60_000, initialDelay = 60_000)
    void run() {
        try {
            sessions.cleanUpExpiredSessions();
            throttle.purge();
        } catch (RuntimeException e) { // a lost connection may also come as a TransactionException
            if (!DatabaseOutage.is(e)) {
                throw e;
            }
            log.warn(
                    "Expired sessions and sign-in failures not purged, the database is unavailable; next try in a minute");
        }
    }
}
