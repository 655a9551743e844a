package dev.tide.controlplane.delivery;

import dev.tide.controlplane.TideApplication;
import dev.tide.controlplane.pki.ControlPlanePki;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Control-plane replicas for a test: full application contexts on one PostgreSQL server that the
 * test starts itself (so that closing a replica, which stops its embedded server otherwise,
 * leaves the database to the others), sharing one CA, with short push leases. Public for the tests
 * of other packages' shared state (console sessions, login throttling).
 */
public final class TwoReplicas implements AutoCloseable {
    public static final String ADMIN_PASSWORD = "replicas-admin-password";
    static final Duration LEASE_TTL = Duration.ofSeconds(3);

    private final Path dir;
    private final EmbeddedPostgres postgres;
    private final List<ConfigurableApplicationContext> started = new ArrayList<>();

    public TwoReplicas(Path dir) throws IOException {
        this.dir = dir;
        Path data = dir.resolve("postgres");
        Files.createDirectories(data);
        this.postgres = EmbeddedPostgres.builder()
                .setDataDirectory(data)
                .setCleanDataDirectory(true)
                .setServerConfig("shared_preload_libraries", "pg_stat_statements")
                .start();
    }

    /** Starts a replica, with more settings if given; all of them find the same CA in the database. */
    public Replica start(String id, String... settings) {
        List<String> args = new ArrayList<>(List.of(
                "--spring.datasource.url=" + postgres.getJdbcUrl("postgres", "postgres"),
                "--spring.datasource.username=postgres",
                "--tide.data-dir=" + dir.resolve(id),
                "--tide.admin-password=" + ADMIN_PASSWORD,
                "--server.port=0",
                "--spring.grpc.server.port=0",
                "--tide.cluster.replica-id=" + id,
                "--tide.cluster.lease-ttl=" + LEASE_TTL.toMillis() + "ms",
                "--tide.cluster.lease-renew-interval=1s",
                "--tide.delivery.push-reconcile-interval=500ms",
                "--tide.deployments.tick=1s"));
        args.addAll(List.of(settings));
        ConfigurableApplicationContext context =
                new SpringApplicationBuilder(TideApplication.class).run(args.toArray(String[]::new));
        started.add(context);
        return new Replica(id, context);
    }

    /** The database, through a replica still running. */
    public JdbcTemplate jdbc() {
        return started.stream()
                .filter(ConfigurableApplicationContext::isActive)
                .findFirst()
                .orElseThrow()
                .getBean(JdbcTemplate.class);
    }

    @Override
    public void close() throws IOException {
        for (ConfigurableApplicationContext context : started) {
            context.close();
        }
        postgres.close();
    }

    /** One replica: its beans, its gRPC port, and its REST API as the admin. */
    public record Replica(String id, ConfigurableApplicationContext context) {
        private static final HttpClient HTTP = HttpClient.newHttpClient();
        private static final ObjectMapper JSON = new ObjectMapper();

        public <T> T bean(Class<T> type) {
            return context.getBean(type);
        }

        int grpcPort() {
            return bean(GrpcServerLifecycle.class).getPort();
        }

        ControlPlanePki pki() {
            return bean(ControlPlanePki.class);
        }

        PushDispatcher dispatcher() {
            return bean(PushDispatcher.class);
        }

        public JsonNode post(String path, Object body) {
            return send(HttpRequest.newBuilder(uri(path))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))));
        }

        JsonNode postBytes(String path, byte[] body) {
            return send(HttpRequest.newBuilder(uri(path))
                    .header("Content-Type", "application/octet-stream")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
        }

        public JsonNode get(String path) {
            return send(HttpRequest.newBuilder(uri(path)).GET());
        }

        /** A path on this replica's HTTP port. */
        public URI uri(String path) {
            int port = context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
            return URI.create("http://127.0.0.1:" + port + path);
        }

        private static JsonNode send(HttpRequest.Builder request) {
            String basic =
                    Base64.getEncoder().encodeToString(("admin:" + ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8));
            try {
                HttpResponse<String> answer = HTTP.send(
                        request.header("Authorization", "Basic " + basic)
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (answer.statusCode() >= 300) {
                    throw new AssertionError(
                            request.build().uri() + " answered " + answer.statusCode() + ": " + answer.body());
                }
                return answer.body().isEmpty() ? JSON.nullNode() : JSON.readTree(answer.body());
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
