package dev.tide.bench.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;

/**
 * One PostgreSQL server for several control-plane replicas, run by the bench itself, so that
 * killing a replica leaves the database up, as an external server would be. It is the control
 * plane's own embedded server (same binaries, same durability and {@code pg_stat_statements}
 * settings as {@code EmbeddedPostgresConfiguration}), so one replica and several measure the same
 * database.
 */
public final class SharedDatabase implements AutoCloseable {
    public static final String USER = "postgres";
    /** Every statement of this database, whichever replica ran it (as {@code tide.db.statements} reads it). */
    private static final String STATEMENTS = "select coalesce(sum(calls), 0) from pg_stat_statements"
            + " where dbid = (select oid from pg_database where datname = current_database())";

    static {
        // The bench's console is for its progress; the server's own lines go to postgres.log. Set
        // before EmbeddedPostgres makes its logger; -D on the command line still wins.
        String zonky = "org.slf4j.simpleLogger.log.io.zonky.test";
        if (System.getProperty(zonky) == null) {
            System.setProperty(zonky, "warn");
        }
    }

    private final EmbeddedPostgres postgres;
    private final Path dataDir;
    private Connection connection;

    private SharedDatabase(EmbeddedPostgres postgres, Path dataDir) {
        this.postgres = postgres;
        this.dataDir = dataDir;
    }

    /**
     * Starts a server with its data in {@code dir/postgres} and its own log in {@code
     * dir/postgres.log}, on a fixed port (keep it below 32768: the ephemeral range is busy in a
     * bench).
     */
    public static SharedDatabase start(Path dir, int port) throws IOException {
        Path data = Files.createDirectories(dir.resolve("postgres"));
        ProcessBuilder.Redirect log =
                ProcessBuilder.Redirect.appendTo(dir.resolve("postgres.log").toFile());
        EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(false)
                .setPort(port)
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("fsync", "on")
                .setServerConfig("max_connections", "100")
                .setServerConfig("shared_buffers", "64MB")
                .setServerConfig("shared_preload_libraries", "pg_stat_statements")
                .setOutputRedirector(log)
                .setErrorRedirector(log)
                .start();
        SharedDatabase database = new SharedDatabase(postgres, data);
        try {
            database.query("create extension if not exists pg_stat_statements");
        } catch (SQLException e) {
            database.close();
            throw new IOException("pg_stat_statements is not available: " + e.getMessage(), e);
        }
        return database;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://localhost:" + postgres.getPort() + "/postgres";
    }

    /** What a replica needs to use this database, as an operator sets it (docs/configuration.md). */
    public Map<String, String> environment() {
        return Map.of(
                "SPRING_DATASOURCE_URL", jdbcUrl(),
                "SPRING_DATASOURCE_USERNAME", USER,
                "SPRING_DATASOURCE_PASSWORD", USER);
    }

    /** The server's data directory: its processes carry it on their command line ({@code -D}). */
    public Path dataDir() {
        return dataDir;
    }

    /** Statements the database executed so far, all replicas together; NaN when it does not answer. */
    public synchronized double statements() {
        try {
            return query(STATEMENTS);
        } catch (SQLException e) {
            connection = null; // opened again on the next reading
            return Double.NaN;
        }
    }

    private synchronized double query(String sql) throws SQLException {
        if (connection == null || connection.isClosed()) {
            connection = DriverManager.getConnection(jdbcUrl(), USER, USER);
        }
        try (Statement statement = connection.createStatement()) {
            if (!statement.execute(sql)) {
                return Double.NaN;
            }
            try (ResultSet rows = statement.getResultSet()) {
                return rows.next() ? rows.getDouble(1) : Double.NaN;
            }
        }
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (connection != null) {
                connection.close();
            }
        } catch (SQLException e) {
            // the server goes down next anyway
        }
        postgres.close();
    }
}
