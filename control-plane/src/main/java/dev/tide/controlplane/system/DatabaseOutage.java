package dev.tide.controlplane.system;

import java.sql.SQLException;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * Tells a lost or refused database connection (the server restarting, failing over, unreachable)
 * from an error in the data. Work that hit an outage is retried whole, later; work that hit a data
 * error is worth narrowing down to the record at fault.
 */
public final class DatabaseOutage {
    private DatabaseOutage() {}

    /** True when {@code e} or a cause says the connection, not the data, failed. */
    public static boolean is(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof CannotCreateTransactionException || t instanceof DataAccessResourceFailureException) {
                return true;
            }
            if (t instanceof SQLException sql && connectionState(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    /**
     * SQLSTATE class 08 (connection exception) and 57P01-57P03 (admin or crash shutdown, cannot
     * connect now), as PostgreSQL reports them while it restarts.
     */
    static boolean connectionState(String state) {
        return state != null
                && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03"));
    }
}
