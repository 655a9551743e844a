package dev.tide.controlplane.system;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnExpression;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The default database: a real PostgreSQL server started from the embedded binaries, its data
 * kept under {@code <tide.data-dir>/postgres} so it survives restarts. Active only when no
 * {@code spring.datasource.url} is configured; production points that at a real server.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnExpression("'${spring.datasource.url:}'.isEmpty()")
class EmbeddedPostgresConfiguration {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgresConfiguration.class);

    @Bean(destroyMethod = "close")
    EmbeddedPostgres embeddedPostgres(TideProperties properties) throws IOException {
        Path dir = properties.dataDir().resolve("postgres").toAbsolutePath();
        Files.createDirectories(dir);
        stopOrphanedServer(dir);
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(dir)
                .setCleanDataDirectory(false)
                // Stopped by this bean's close, after everything that uses the database: the
                // library's own JVM shutdown hook stopped it while Spring was still closing (the
                // push leases were not handed back, and a FATAL was logged at every stop).
                .setRegisterShutdownHook(false)
                // The embedded server's defaults trade durability for test speed (fsync off, commits
                // not flushed): a crash of the server lost deployments the API had confirmed.
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("fsync", "on")
                .setServerConfig("max_connections", "100")
                .setServerConfig("shared_buffers", "64MB")
                // counts every statement, read by DatabaseStatementMetrics (tide.db.statements)
                .setServerConfig("shared_preload_libraries", "pg_stat_statements")
                .start();
        log.warn(
                "No spring.datasource.url configured: using the embedded PostgreSQL in {} on port {}. "
                        + "Set SPRING_DATASOURCE_URL (and _USERNAME, _PASSWORD) to use a real server in production.",
                dir,
                postgres.getPort());
        return postgres;
    }

    /**
     * The embedded server runs detached from the JVM, so a control plane that was killed (not
     * stopped) leaves it running and holding the data directory. Stop that one before starting
     * again; PostgreSQL recovers from its own log as after any crash.
     */
    static void stopOrphanedServer(Path dir) throws IOException {
        Path pidFile = dir.resolve("postmaster.pid");
        if (!Files.isRegularFile(pidFile)) {
            return;
        }
        long pid;
        try (var lines = Files.lines(pidFile)) {
            pid = Long.parseLong(lines.findFirst().orElse("").trim());
        } catch (NumberFormatException | java.io.UncheckedIOException e) {
            return; // a torn file: PostgreSQL itself will judge it
        }
        ProcessHandle server = ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false))
                .orElse(null);
        if (server == null || server.pid() == ProcessHandle.current().pid()) {
            return;
        }
        log.warn(
                "The embedded PostgreSQL of a previous run (pid {}) still holds {}: the control plane did not stop"
                        + " cleanly. Stopping that server before starting again.",
                pid,
                dir);
        server.destroy(); // SIGTERM: smart shutdown; its old clients are gone
        try {
            server.onExit().get(30, java.util.concurrent.TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
            server.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while stopping the orphaned PostgreSQL server", e);
        }
    }

    /**
     * How long a caller waits for a pooled connection, as spring.datasource.hikari.connection-timeout
     * sets it for an external database: during an outage work fails fast and is retried, and
     * readiness answers within the probe's time instead of after Hikari's default 30 s.
     */
    static final long DATABASE_CONNECTION_TIMEOUT_MILLIS = 5000;

    @Bean
    DataSource dataSource(EmbeddedPostgres postgres) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(postgres.getJdbcUrl("postgres", "postgres"));
        config.setPoolName("tide-embedded");
        config.setMaximumPoolSize(20);
        config.setConnectionTimeout(DATABASE_CONNECTION_TIMEOUT_MILLIS);
        return new HikariDataSource(config);
    }
}
