package dev.tide.controlplane.cluster;

import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;
import javax.sql.DataSource;

/**
 * Opens the listen connection: a connection of its own, made with the pool's URL and credentials
 * but outside the pool. Held from start to stop, a pooled connection would shrink the pool by
 * one for good, and after a database restart its reopening would queue behind every request
 * thread waiting for the pool. A pool that is not Hikari lends one connection, held instead.
 */
final class ListenConnection {
    private static final int CONNECT_TIMEOUT_SECONDS = 5;
    /** Bounds every statement on this connection, so a dead peer is noticed (getNotifications sets its own). */
    private static final int SOCKET_TIMEOUT_SECONDS = 30;

    private ListenConnection() {}

    static Connection open(DataSource dataSource, String applicationName) throws SQLException {
        HikariDataSource hikari =
                dataSource.isWrapperFor(HikariDataSource.class) ? dataSource.unwrap(HikariDataSource.class) : null;
        if (hikari == null || hikari.getJdbcUrl() == null) {
            Connection borrowed = dataSource.getConnection();
            borrowed.setAutoCommit(true);
            return borrowed;
        }
        Properties props = new Properties();
        props.putAll(hikari.getDataSourceProperties());
        if (hikari.getUsername() != null) {
            props.setProperty("user", hikari.getUsername());
        }
        if (hikari.getPassword() != null) {
            props.setProperty("password", hikari.getPassword());
        }
        props.setProperty("ApplicationName", applicationName);
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        props.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
        Connection connection = DriverManager.getConnection(hikari.getJdbcUrl(), props);
        connection.setAutoCommit(true);
        return connection;
    }
}
