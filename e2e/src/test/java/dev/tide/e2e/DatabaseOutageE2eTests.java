package dev.tide.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * PostgreSQL killed with SIGKILL (the server and its backends) in the middle of a deployment,
 * down for a few seconds, then started again on the same data, as a supervisor would: the control
 * plane reports itself not ready meanwhile, and the deployment finishes with every target's
 * delivered, applied and healthy times recorded (no status report lost).
 */
class DatabaseOutageE2eTests extends FleetTest {
    private static final java.util.regex.Pattern OUTAGE_NOTICED =
            java.util.regex.Pattern.compile("(?i)database (is )?unavailable");

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void aDeploymentFinishesThroughAPostgresCrashAndRestartAndLosesNoStatus() throws Exception {
        fleet.environment("db-push", "PUSH", false, 30);
        fleet.environment("db-pull", "PULL", true, 30);
        List<AgentProcess> agents = new ArrayList<>(fleet.agents("db-push", "dbp", 2));
        agents.addAll(fleet.agents("db-pull", "dbl", 2));
        fleet.application("hello-db", List.of());
        fleet.compiledRelease("hello-db", "1.0.0", "port", List.of());
        fleet.compiledRelease("hello-db", "2.0.0", "port", List.of());
        fleet.awaitDeployment(fleet.deploy("db-push", "hello-db", "1.0.0"), "SUCCEEDED", Duration.ofSeconds(90));
        fleet.awaitDeployment(fleet.deploy("db-pull", "hello-db", "1.0.0"), "SUCCEEDED", Duration.ofSeconds(90));

        String push = fleet.deploy("db-push", "hello-db", "2.0.0");
        String pull = fleet.deploy("db-pull", "hello-db", "2.0.0");
        List<String> postgres = killPostgres();
        await().atMost(Duration.ofSeconds(30)).until(() -> readiness() != 200); // 503, or no answer in time
        // the outage lasts until the control plane has met it (a refused report, or its deployment tick)
        await().atMost(Duration.ofSeconds(30))
                .until(() -> OUTAGE_NOTICED
                        .matcher(Files.readString(fleet.controlPlane.log))
                        .find());
        Process restarted = new ProcessBuilder(postgres)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("postgres-restarted.log").toFile())
                .start();
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> readiness() == 200);
            for (String id : List.of(push, pull)) {
                JsonNode done = fleet.awaitDeployment(id, "SUCCEEDED", Duration.ofSeconds(120));
                for (JsonNode t : done.get("targets")) {
                    assertThat(t.get("state").asString()).isEqualTo("HEALTHY");
                    for (String at : List.of("deliveredAt", "appliedAt", "healthyAt")) {
                        assertThat(t.path(at).isNull() || t.path(at).isMissingNode())
                                .as("%s of %s in %s", at, t.path("node").asString(), id)
                                .isFalse();
                    }
                }
            }
            for (AgentProcess a : agents) {
                assertThat(fleet.answer(a.appPort)).contains("2.0.0");
            }
        } finally {
            fleet.close(); // stops the control plane first, while its database still runs
            fleet = null;
            restarted.toHandle().descendants().forEach(ProcessHandle::destroy);
            restarted.destroy();
        }
    }

    /** SIGKILL to the embedded server and its backends; returns the server's command line. */
    private static List<String> killPostgres() throws InterruptedException {
        String marker = fleet.controlPlane.databaseDir().toAbsolutePath().toString();
        ProcessHandle server = ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .min(Comparator.comparingLong(ProcessHandle::pid))
                .orElseThrow(() -> new AssertionError("no PostgreSQL server runs on " + marker));
        List<String> command = new ArrayList<>();
        if ("root".equals(System.getProperty("user.name"))) {
            // PostgreSQL refuses to run as root: in a user namespace of its own it does not, as the
            // embedded server's own start does it
            command.addAll(List.of("unshare", "-U"));
        }
        command.add(server.info().command().orElseThrow());
        command.addAll(List.of(server.info().arguments().orElseThrow()));
        List<ProcessHandle> backends = server.children().toList();
        server.destroyForcibly();
        backends.forEach(ProcessHandle::destroyForcibly);
        server.onExit().join();
        for (ProcessHandle b : backends) {
            b.onExit().join();
        }
        return command;
    }

    private int readiness() {
        try {
            return http.send(
                            HttpRequest.newBuilder(URI.create(fleet.controlPlane.base() + "/actuator/health/readiness"))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding())
                    .statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
