package dev.tide.controlplane.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.transaction.CannotCreateTransactionException;

/** Which failures are an outage (retry the whole batch later) and which are about the data. */
class DatabaseOutageTests {
    @Test
    void lostAndRefusedConnectionsAreAnOutage() {
        assertThat(DatabaseOutage.is(new CannotCreateTransactionException("no connection")))
                .isTrue();
        assertThat(DatabaseOutage.is(new CannotGetJdbcConnectionException("pool exhausted")))
                .isTrue();
        // PostgreSQL restarting: the server terminates the session, then refuses new ones
        assertThat(DatabaseOutage.is(new RuntimeException(new SQLException("terminating connection", "57P01"))))
                .isTrue();
        assertThat(DatabaseOutage.is(
                        new RuntimeException(new SQLException("the database system is starting up", "57P03"))))
                .isTrue();
        assertThat(DatabaseOutage.is(new SQLException("An I/O error occurred", "08006")))
                .isTrue();
    }

    @Test
    void dataErrorsAndLockConflictsAreNot() {
        assertThat(DatabaseOutage.is(new DataIntegrityViolationException("fk", new SQLException("fk", "23503"))))
                .isFalse();
        assertThat(DatabaseOutage.is(
                        new PessimisticLockingFailureException("deadlock", new SQLException("d", "40P01"))))
                .isFalse();
        assertThat(DatabaseOutage.is(new IllegalStateException("bug"))).isFalse();
    }
}
