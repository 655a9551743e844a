package dev.tide.controlplane.security;

import dev.tide.controlplane.system.TideProperties;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * Creates the first admin when no user exists: with {@code TIDE_ADMIN_PASSWORD}, or with a
 * generated password written only to {@code <data-dir>/admin-password} (owner-only). The log names
 * the file, never the password: logs are shipped, kept and read far more widely than the data
 * directory. Runs before the web server opens its port, so no request ever meets a control plane
 * without users.
 */
@Component
class AdminBootstrap implements SmartInitializingSingleton {
    static final String ADMIN = "admin";
    private static final Logger log = LoggerFactory.getLogger(AdminBootstrap.class);

    private final UserService users;
    private final TideProperties properties;

    AdminBootstrap(UserService users, TideProperties properties) {
        this.users = users;
        this.properties = properties;
    }

    @Override
    public void afterSingletonsInstantiated() {
        try {
            bootstrap();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the generated admin password", e);
        }
    }

    private void bootstrap() throws IOException {
        if (users.any()) {
            return;
        }
        String configured = properties.adminPassword();
        if (configured != null && !configured.isBlank()) {
            if (configured.length() < UserService.MIN_PASSWORD_LENGTH) {
                throw new IllegalStateException(
                        "TIDE_ADMIN_PASSWORD must be at least " + UserService.MIN_PASSWORD_LENGTH + " characters long");
            }
            if (users.bootstrapAdmin(ADMIN, configured)) {
                log.info("Created user '{}' with the password from TIDE_ADMIN_PASSWORD", ADMIN);
            }
            return;
        }
        String generated = Secrets.generate("").substring(0, 24);
        if (!users.bootstrapAdmin(ADMIN, generated)) {
            log.info("Another replica created the first admin; its data dir has the generated password");
            return;
        }
        Path file = properties.dataDir().resolve("admin-password").toAbsolutePath();
        Files.createDirectories(file.getParent());
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, generated + System.lineSeparator());
        log.warn(
                "Created user '{}' with a generated password; read it from {} (readable by this user only)",
                ADMIN,
                file);
    }
}
