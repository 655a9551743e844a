package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tide.controlplane.ApiClient;
import dev.tide.controlplane.TideApplication;
import dev.tide.controlplane.cluster.ClusterBus;
import dev.tide.controlplane.pki.ControlPlanePki;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.EnrollResponse;
import dev.tide.proto.agent.v1.GetDesiredStateResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.test.web.servlet.setup.SecurityMockMvcConfigurers;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

/**
 * Two control-plane replicas (two Spring contexts in this JVM) on one PostgreSQL, as behind a
 * load balancer: a change made through replica A reaches replica B's caches, parked watches and
 * event streams through the cluster bus (LISTEN/NOTIFY), and B catches up with what it missed
 * while its listen connection was down. A uses a 1 s fallback interval (to prove the periodic
 * check); B uses an hour, so that everything B sees promptly came by notification.
 */
class ReplicasTests {
    private static final String ADMIN_PASSWORD = "replicas-admin-secret-42";
    /** The long-poll wait of every watch here: each must be answered well before it. */
    private static final int WAIT_SECONDS = 30;
    /** How long a change may take to reach the other replica. */
    private static final Duration PROMPT = Duration.ofSeconds(5);

    static ConfigurableApplicationContext a;
    static ConfigurableApplicationContext b;
    static AgentChannels agentsOnA;
    static AgentChannels agentsOnB;
    static ListAppender<ILoggingEvent> errors;

    @BeforeAll
    static void startTwoReplicas() throws IOException {
        errors = new ListAppender<>();
        errors.addFilter(new ch.qos.logback.core.filter.Filter<>() {
            @Override
            public ch.qos.logback.core.spi.FilterReply decide(ILoggingEvent e) {
                return e.getLevel().isGreaterOrEqual(Level.ERROR)
                        ? ch.qos.logback.core.spi.FilterReply.NEUTRAL
                        : ch.qos.logback.core.spi.FilterReply.DENY;
            }
        });
        errors.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(errors);

        Path base = Path.of("target", "it-data").toAbsolutePath();
        Files.createDirectories(base);
        Path dataDir = Files.createTempDirectory(base, "replicas-");
        // A starts the embedded PostgreSQL; B is pointed at it, as replicas share an external server.
        a = replica(dataDir, "tide.cluster.fallback-interval=1s");
        String url = a.getBean(EmbeddedPostgres.class).getJdbcUrl("postgres", "postgres");
        b = replica(
                dataDir,
                "spring.datasource.url=" + url,
                "tide.cluster.fallback-interval=1h",
                "tide.cluster.reconnect-min-delay=2s",
                "tide.cluster.reconnect-max-delay=2s");
        agentsOnA = new AgentChannels(a.getBean(GrpcServerLifecycle.class).getPort(), a.getBean(ControlPlanePki.class));
        agentsOnB = new AgentChannels(b.getBean(GrpcServerLifecycle.class).getPort(), b.getBean(ControlPlanePki.class));
    }

    private static ConfigurableApplicationContext replica(Path dataDir, String... extra) {
        List<String> properties = new java.util.ArrayList<>(List.of(
                "tide.data-dir=" + dataDir,
                "tide.admin-password=" + ADMIN_PASSWORD,
                "server.port=0",
                "spring.grpc.server.port=0"));
        properties.addAll(List.of(extra));
        // As command-line arguments: they take precedence over application.properties.
        return new SpringApplicationBuilder(TideApplication.class)
                .run(properties.stream().map(p -> "--" + p).toArray(String[]::new));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (agentsOnA != null) {
            agentsOnA.close();
            agentsOnB.close();
        }
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(errors);
        assertThat(errors.list).as("ERROR log lines").isEmpty();
    }

    @Test
    void aDeploymentMadeThroughAAnswersAWatchParkedOnB() throws Exception {
        String env = environment("PULL");
        EnrollResponse node = agentsOnB.enroll(enrollmentToken(env), "web-1");
        int parkedBefore = watches(b).parked();
        CompletableFuture<GetDesiredStateResponse> poll = agentsOnB.watch(node, 0, WAIT_SECONDS);
        await().atMost(PROMPT).until(() -> watches(b).parked() > parkedBefore);
        double receivedBefore = counter(b, "tide.cluster.notifications.received");

        String app = release(env);
        long start = System.nanoTime();
        deploy(env, app);

        GetDesiredStateResponse answer = poll.get(PROMPT.toSeconds(), TimeUnit.SECONDS);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(answer.getUnchanged()).isFalse();
        assertThat(answer.getState().getApplicationsList())
                .singleElement()
                .satisfies(r -> assertThat(r.getApplication()).isEqualTo(app));
        assertThat(counter(b, "tide.cluster.notifications.received")).isGreaterThan(receivedBefore);
        System.out.printf("watch parked on B answered %d ms after the deployment request to A%n", millis);
    }

    @Test
    void aNodeRemovedThroughAIsRefusedOnB() throws Exception {
        String env = environment("PULL");
        EnrollResponse node = agentsOnB.enroll(enrollmentToken(env), "doomed");
        assertThat(agentsOnB
                        .gateway(node)
                        .getDesiredState(AgentChannels.request(node, 0, 0))
                        .getUnchanged())
                .isTrue(); // B now knows the node: its identity and desired state are cached
        int parkedBefore = watches(b).parked();
        CompletableFuture<GetDesiredStateResponse> poll = agentsOnB.watch(node, 0, WAIT_SECONDS);
        await().atMost(PROMPT).until(() -> watches(b).parked() > parkedBefore);

        api(a).delete("/api/v1/nodes/{id}", node.getNodeId()).expect(204);

        assertThatThrownBy(() -> poll.get(PROMPT.toSeconds(), TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
        assertThatThrownBy(() -> agentsOnB.gateway(node).getDesiredState(AgentChannels.request(node, 0, 0)))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
    }

    @Test
    void aModeSwitchThroughAReachesAnAgentPollingB() throws Exception {
        String env = environment("PULL");
        EnrollResponse node = agentsOnB.enroll(enrollmentToken(env), "switcher");
        int parkedBefore = watches(b).parked();
        CompletableFuture<GetDesiredStateResponse> poll = agentsOnB.watch(node, 0, WAIT_SECONDS);
        await().atMost(PROMPT).until(() -> watches(b).parked() > parkedBefore);

        api(a).patch("/api/v1/environments/{env}", Map.of("mode", "PUSH"), env).expect(200);

        GetDesiredStateResponse answer = poll.get(PROMPT.toSeconds(), TimeUnit.SECONDS);
        assertThat(answer.getSchedule().getMode()).isEqualTo(DeliveryMode.PUSH);
    }

    @Test
    void anEventStreamOnBShowsADeploymentThatAAdvances() throws Exception {
        String env = environment("PULL");
        EnrollResponse node = agentsOnA.enroll(enrollmentToken(env), "streamed");
        String app = release(env);
        String deployment = deploy(env, app);
        GetDesiredStateResponse desired = agentsOnA.gateway(node).getDesiredState(AgentChannels.request(node, 0, 0));
        long generation = desired.getState().getGeneration();
        assertThat(generation).isPositive();

        List<String> lines = new CopyOnWriteArrayList<>();
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port(b) + "/api/v1/deployments/" + deployment + "/events"))
                .header("Accept", "text/event-stream")
                .header("Authorization", ApiClient.basicHeader("admin", ADMIN_PASSWORD))
                .build();
        HttpClient http = HttpClient.newHttpClient();
        CompletableFuture<HttpResponse<Void>> stream =
                http.sendAsync(request, HttpResponse.BodyHandlers.fromLineSubscriber(new LineCollector(lines)));
        await().atMost(PROMPT).until(() -> lines.contains("event:target"));
        assertThat(lines).noneMatch(l -> l.contains("target.healthy"));

        // The agent reports to A: A's ingestor and executor move the target and end the deployment.
        agentsOnA
                .gateway(node)
                .reportStatus(AgentChannels.healthyReport(node.getNodeId(), desired.getState())
                        .build());

        await().atMost(PROMPT).untilAsserted(() -> {
            assertThat(lines).anyMatch(l -> l.contains("target.healthy"));
            assertThat(lines).contains("event:end");
        });
        assertThat(stream.get(PROMPT.toSeconds(), TimeUnit.SECONDS).statusCode())
                .isEqualTo(200);
    }

    @Test
    void bCatchesUpWithAChangeMadeWhileItsListenConnectionWasDown() throws Exception {
        String env = environment("PULL");
        EnrollResponse node = agentsOnB.enroll(enrollmentToken(env), "gap");
        int parkedBefore = watches(b).parked();
        CompletableFuture<GetDesiredStateResponse> poll = agentsOnB.watch(node, 0, WAIT_SECONDS);
        await().atMost(PROMPT).until(() -> watches(b).parked() > parkedBefore);
        double reconnectsBefore = counter(b, "tide.cluster.reconnects");
        JdbcTemplate jdbc = a.getBean(JdbcTemplate.class);
        String listener = "tide-cluster " + b.getBean(ClusterBus.class).replicaId();

        assertThat(jdbc.queryForObject(
                        "select count(pg_terminate_backend(pid)) from pg_stat_activity where application_name = ?",
                        Long.class,
                        listener))
                .isEqualTo(1);
        await().atMost(PROMPT)
                .until(() -> jdbc.queryForObject(
                                "select count(*) from pg_stat_activity where application_name = ?",
                                Long.class,
                                listener)
                        == 0);
        api(a).patch("/api/v1/environments/{env}", Map.of("mode", "PUSH"), env).expect(200);
        assertThat(jdbc.queryForObject(
                        "select count(*) from pg_stat_activity where application_name = ?", Long.class, listener))
                .as("B listened again before the change: the test would not show the catch-up")
                .isZero();

        GetDesiredStateResponse answer = poll.get(PROMPT.toSeconds() + 5, TimeUnit.SECONDS);
        assertThat(answer.getSchedule().getMode()).isEqualTo(DeliveryMode.PUSH);
        assertThat(counter(b, "tide.cluster.reconnects")).isGreaterThan(reconnectsBefore);
    }

    @Test
    void aChangeWithoutANoticeIsFoundByThePeriodicFallback() throws Exception {
        String env = environment("PULL");
        EnrollResponse node = agentsOnA.enroll(enrollmentToken(env), "quiet");
        int parkedBefore = watches(a).parked();
        CompletableFuture<GetDesiredStateResponse> poll = agentsOnA.watch(node, 0, WAIT_SECONDS);
        await().atMost(PROMPT).until(() -> watches(a).parked() > parkedBefore);

        // As if the notice were lost: the row changes, and nothing is sent.
        a.getBean(JdbcTemplate.class)
                .update("update environment set pull_interval_seconds = 77, version = version + 1 where name = ?", env);

        GetDesiredStateResponse answer = poll.get(PROMPT.toSeconds(), TimeUnit.SECONDS);
        assertThat(answer.getSchedule().getIntervalSeconds()).isEqualTo(77);
    }

    @Test
    void notificationsThatAreNotTidesAreIgnoredWithoutErrors() {
        double before = counter(b, "tide.cluster.notifications.rejected");
        JdbcTemplate jdbc = a.getBean(JdbcTemplate.class);
        for (String payload : List.of(
                "not json",
                "{\"r\":\"x\"}",
                "{\"r\":\"x\",\"m\":[[\"desired\",\"env\",\"a\",1]]}",
                "{\"r\":\"x\",\"m\":[1,2]}")) {
            jdbc.queryForObject("select pg_notify('tide_changes', ?)::text", String.class, payload);
        }
        // Well formed, but naming nothing that exists: applied as a no-op.
        jdbc.queryForObject(
                "select pg_notify('tide_changes', ?)::text",
                String.class,
                "{\"r\":\"x\",\"m\":[[\"node-removed\",\"not-a-uuid\",0,0],[\"no-such-topic\",\"k\",0,0],"
                        + "[\"desired\",\"no-such-env\",1,2],[\"deployment-events\",\"nope\",0,0]]}");
        await().atMost(PROMPT).until(() -> counter(b, "tide.cluster.notifications.rejected") - before >= 4);
    }

    // helpers

    private static WatchRegistry watches(ConfigurableApplicationContext replica) {
        return replica.getBean(WatchRegistry.class);
    }

    private static double counter(ConfigurableApplicationContext replica, String name) {
        return replica.getBean(MeterRegistry.class).counter(name).count();
    }

    private static int port(ConfigurableApplicationContext replica) {
        return ((WebServerApplicationContext) replica).getWebServer().getPort();
    }

    private static ApiClient api(ConfigurableApplicationContext replica) {
        return ApiClient.basic(
                MockMvcBuilders.webAppContextSetup((WebApplicationContext) replica)
                        .apply(SecurityMockMvcConfigurers.springSecurity())
                        .build(),
                "admin",
                ADMIN_PASSWORD);
    }

    private static String unique(String prefix) {
        byte[] bytes = new byte[4];
        ThreadLocalRandom.current().nextBytes(bytes);
        return prefix + "-" + HexFormat.of().formatHex(bytes);
    }

    private static String environment(String mode) {
        String name = unique("env");
        api(a).post("/api/v1/environments", Map.of("name", name, "mode", mode)).expect(201);
        return name;
    }

    private static String enrollmentToken(String env) {
        return api(a).post("/api/v1/environments/{env}/enrollment-tokens", Map.of(), env)
                .expect(201)
                .text("/token");
    }

    /** An application with release 1.0.0, made through A. */
    private static String release(String env) {
        String app = unique("app");
        api(a).post("/api/v1/applications", Map.of("name", app, "dependsOn", List.of()))
                .expect(201);
        byte[] bytes = new byte[256];
        ThreadLocalRandom.current().nextBytes(bytes);
        String sha = api(a).postBytes("/api/v1/artifacts", bytes, "application/octet-stream")
                .expect(201)
                .text("/sha256");
        api(a).post(
                        "/api/v1/applications/{app}/releases",
                        Map.of("version", "1.0.0", "artifactSha256", sha, "start", List.of("bin/run")),
                        app)
                .expect(201);
        return app;
    }

    /** Deploys release 1.0.0 of {@code app} through A; answers the deployment id. */
    private static String deploy(String env, String app) {
        return api(a).post(
                        "/api/v1/deployments",
                        Map.of("environment", env, "releases", List.of(Map.of("application", app, "version", "1.0.0"))))
                .expect(201)
                .text("/id");
    }

    /** Collects the lines of an event stream. */
    private record LineCollector(List<String> lines) implements java.util.concurrent.Flow.Subscriber<String> {
        @Override
        public void onSubscribe(java.util.concurrent.Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            lines.add(line);
        }

        @Override
        public void onError(Throwable throwable) {}

        @Override
        public void onComplete() {}
    }
}
