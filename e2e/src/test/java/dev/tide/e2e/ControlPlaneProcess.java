package dev.tide.e2e;

import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The control-plane jar running on its embedded PostgreSQL, as `java -jar` starts it. */
final class ControlPlaneProcess implements AutoCloseable {
    static final String ADMIN_PASSWORD = "e2e-admin-password";

    final Path dataDir;
    final int httpPort;
    final int grpcPort;
    final Path log;
    private Process process;

    ControlPlaneProcess(Path dataDir) {
        this.dataDir = dataDir;
        this.httpPort = Processes.freePort();
        this.grpcPort = Processes.freePort();
        this.log = dataDir.resolve("control-plane.log");
    }

    ControlPlaneProcess start() {
        process = Processes.start(
                List.of(
                        Processes.JAVA,
                        "-Xmx512m",
                        "-jar",
                        Processes.CONTROL_PLANE_JAR.toString(),
                        "--server.port=" + httpPort,
                        "--spring.grpc.server.port=" + grpcPort,
                        "--tide.delivery.push-reconcile-interval=500ms",
                        "--tide.deployments.tick=500ms",
                        "--tide.delivery.report-flush-interval=50ms"),
                log,
                Map.of("TIDE_DATA_DIR", dataDir.resolve("cp").toString(), "TIDE_ADMIN_PASSWORD", ADMIN_PASSWORD));
        HttpClient http = HttpClient.newHttpClient();
        try {
            await().atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(300))
                    .ignoreExceptions()
                    .failFast("control plane exited", () -> !process.isAlive())
                    .until(() -> http.send(
                                            HttpRequest.newBuilder(URI.create(base() + "/actuator/health"))
                                                    .build(),
                                            HttpResponse.BodyHandlers.ofString())
                                    .statusCode()
                            == 200);
        } catch (RuntimeException e) {
            throw new AssertionError(e.getMessage() + ":\n" + Processes.tail(log, 60), e);
        }
        return this;
    }

    String base() {
        return "http://127.0.0.1:" + httpPort;
    }

    String grpcTarget() {
        return "127.0.0.1:" + grpcPort;
    }

    Api admin() {
        return new Api(base(), "admin", ADMIN_PASSWORD);
    }

    /** Stops abruptly, as a crash would. */
    void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        Processes.stop(process, 30);
    }
}
