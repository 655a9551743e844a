package dev.tide.controlplane.system;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * {@code tide.db.statements}: statements the database executed for this database, from
 * PostgreSQL's pg_stat_statements, so the cost of a deployment can be read as statements, not
 * guessed. The embedded server preloads the extension; on an external server it is used when an
 * operator enabled it ({@code shared_preload_libraries = 'pg_stat_statements'}), and the metric is
 * simply absent otherwise.
 */
@Component
class DatabaseStatementMetrics {
    private static final Logger log = LoggerFactory.getLogger(DatabaseStatementMetrics.class);
    private static final String TOTAL = "select coalesce(sum(calls), 0) from pg_stat_statements"
            + " where dbid = (select oid from pg_database where datname = current_database())";

    private final JdbcTemplate jdbc;
    private final MeterRegistry meters;

    DatabaseStatementMetrics(DataSource dataSource, MeterRegistry meters) {
        this.jdbc = new JdbcTemplate(dataSource);
        this.meters = meters;
    }

    @EventListener(ApplicationReadyEvent.class)
    void register() {
        try {
            jdbc.execute("create extension if not exists pg_stat_statements");
            jdbc.queryForObject(TOTAL, Long.class);
        } catch (DataAccessException e) {
            log.info(
                    "pg_stat_statements is not available ({}); the tide.db.statements metric is off",
                    e.getMostSpecificCause().getMessage());
            return;
        }
        FunctionCounter.builder("tide.db.statements", jdbc, DatabaseStatementMetrics::total)
                .description("Statements the database executed (pg_stat_statements)")
                .register(meters);
    }

    private static double total(JdbcTemplate jdbc) {
        try {
            Long calls = jdbc.queryForObject(TOTAL, Long.class);
            return calls == null ? Double.NaN : calls;
        } catch (DataAccessException e) {
            return Double.NaN;
        }
    }
}
