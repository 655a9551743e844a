package dev.tide.controlplane.security;

import static java.nio.file.attribute.PosixFilePermission.OWNER_READ;
import static java.nio.file.attribute.PosixFilePermission.OWNER_WRITE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.TideApplication;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A first start without {@code TIDE_ADMIN_PASSWORD}: a real control plane on its own data
 * directory (and its own embedded PostgreSQL), because the shared test context already has users.
 */
@ExtendWith(OutputCaptureExtension.class)
class AdminBootstrapTests {

    @Test
    void theGeneratedPasswordIsWrittenToAnOwnerOnlyFileAndNeverLogged(CapturedOutput output, @TempDir Path dataDir)
            throws Exception {
        // Command-line arguments outrank a TIDE_ADMIN_PASSWORD that the environment may carry.
        try (ConfigurableApplicationContext controlPlane = new SpringApplicationBuilder(TideApplication.class)
                .run(
                        "--tide.data-dir=" + dataDir,
                        "--tide.admin-password=",
                        "--server.port=0",
                        "--spring.grpc.server.port=0")) {
            Path file = dataDir.resolve("admin-password").toAbsolutePath();
            String password = Files.readString(file).trim();

            assertThat(password).hasSizeGreaterThanOrEqualTo(UserService.MIN_PASSWORD_LENGTH);
            assertThat(Files.getPosixFilePermissions(file)).containsExactlyInAnyOrder(OWNER_READ, OWNER_WRITE);
            assertThat(output.getAll())
                    .contains("Created user 'admin' with a generated password", file.toString())
                    .doesNotContain(password);

            // A replica that checked for users before this one created the admin finds it under
            // the bootstrap lock and leaves it alone: the password in the file keeps working.
            assertThat(controlPlane.getBean(UserService.class).bootstrapAdmin("admin", "a-second-replica-password"))
                    .as("the first admin created by a replica that starts second")
                    .isFalse();

            int port = controlPlane.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/users/admin"))
                    .header(
                            "Authorization",
                            "Basic "
                                    + Base64.getEncoder()
                                            .encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8)))
                    .timeout(Duration.ofSeconds(30))
                    .build();
            assertThat(HttpClient.newHttpClient()
                            .send(request, HttpResponse.BodyHandlers.discarding())
                            .statusCode())
                    .as("the password in the file signs in")
                    .isEqualTo(200);
        }
    }
}
