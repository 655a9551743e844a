package dev.tide.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.bench.support.NodeClients;
import dev.tide.bench.support.TarGz;
import dev.tide.proto.agent.v1.AgentGatewayGrpc;
import dev.tide.proto.agent.v1.GetDesiredStateRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.opentest4j.AssertionFailedError;
import tools.jackson.databind.JsonNode;

/**
 * Push and pull delivery end to end: the real control plane, real agent processes, and the
 * example application really started and answering on its port.
 */
class DeliveryE2eTests extends FleetTest {
    private static final Duration DEPLOY = Duration.ofSeconds(120);
    private static final Duration RECOVER = Duration.ofSeconds(30);

    @AfterEach
    void stopAgents(TestInfo test) {
        fleet.stopAgents();
    }

    @Test
    void pushAndPullWatchDeliverTheSameReleasesAndEveryInstanceAnswers() throws Exception {
        fleet.environment("push-a", "PUSH", false, 30);
        fleet.environment("pull-a", "PULL", true, 30);
        List<AgentProcess> pushed = fleet.agents("push-a", "pa", 2);
        List<AgentProcess> pulled = fleet.agents("pull-a", "pl", 2);
        fleet.application("hello-a", List.of());
        fleet.release("hello-a", "1.0.0", "/health");

        String push1 = fleet.deploy("push-a", "hello-a", "1.0.0");
        String pull1 = fleet.deploy("pull-a", "hello-a", "1.0.0");
        awaitSucceeded(push1);
        awaitSucceeded(pull1);
        for (AgentProcess a : concat(pushed, pulled)) {
            assertThat(fleet.answer(a.appPort)).contains("1.0.0").contains(a.name);
        }
        assertTimestampsOrdered(fleet.deployment(push1));
        assertTimestampsOrdered(fleet.deployment(pull1));

        fleet.release("hello-a", "1.1.0", "/health");
        awaitSucceeded(fleet.deploy("push-a", "hello-a", "1.1.0"));
        awaitSucceeded(fleet.deploy("pull-a", "hello-a", "1.1.0"));
        for (AgentProcess a : concat(pushed, pulled)) {
            assertThat(fleet.answer(a.appPort)).contains("1.1.0");
        }
        // A node's applied generation comes with the agent's next report, up to its 200 ms batch
        // after the BECAME_HEALTHY that settled the deployment (sent at once).
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (JsonNode node : concat(fleet.nodes("push-a"), fleet.nodes("pull-a"))) {
                assertThat(node.get("converged").asBoolean())
                        .as("node %s converged", node.get("name"))
                        .isTrue();
            }
        });
        assertThat(fleet.nodes("push-a"))
                .allSatisfy(n -> assertThat(n.get("ackedMode").asString()).isEqualTo("PUSH"));
        assertThat(fleet.nodes("pull-a"))
                .allSatisfy(n -> assertThat(n.get("ackedMode").asString()).isEqualTo("PULL"));
    }

    @Test
    void aFailingHealthCheckRollsTheNodeBackToThePreviousRelease() throws Exception {
        fleet.environment("pull-rb", "PULL", true, 30);
        AgentProcess agent = fleet.agents("pull-rb", "rb", 1).get(0);
        fleet.application("hello-rb", List.of());
        fleet.release("hello-rb", "1.0.0", "/health");
        awaitSucceeded(fleet.deploy("pull-rb", "hello-rb", "1.0.0"));

        fleet.release("hello-rb", "2.0.0", fleet.uploadHello(), "/no-such-path", 5);
        // Without the orchestrator's auto-rollback (on by default): this is about the agent's own.
        String bad = fleet.deploy(
                "pull-rb",
                List.of(Map.of("application", "hello-rb", "version", "2.0.0")),
                Map.of("autoRollback", false));
        JsonNode failed = fleet.awaitDeployment(bad, "FAILED", DEPLOY);

        assertThat(failed.get("targets").get(0).get("error").asString()).isNotBlank();
        // The failure is reported first; the agent then restarts the previous release.
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .untilAsserted(() -> assertThat(fleet.answer(agent.appPort)).contains("1.0.0"));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode app = fleet.nodes("pull-rb").get(0).get("applications").get(0);
            assertThat(app.get("actual").get("version").asString()).isEqualTo("2.0.0");
            assertThat(app.get("actual").get("state").asString()).isEqualTo("FAILED");
            assertThat(app.get("actual").get("message").asString()).contains("1.0.0");
        });
    }

    @Test
    void switchingModesBothWaysKeepsDeliveringWithoutLosingADeployment() throws Exception {
        fleet.environment("switch", "PULL", true, 30);
        List<AgentProcess> agents = fleet.agents("switch", "sw", 2);
        fleet.application("hello-sw", List.of());
        fleet.release("hello-sw", "1.0.0", "/health");
        fleet.release("hello-sw", "2.0.0", "/health");
        fleet.release("hello-sw", "3.0.0", "/health");
        awaitSucceeded(fleet.deploy("switch", "hello-sw", "1.0.0"));

        fleet.api.patch("/api/v1/environments/switch", "{\"mode\":\"PUSH\"}").expect(200);
        awaitAckedMode("switch", "PUSH");
        awaitSucceeded(fleet.deploy("switch", "hello-sw", "2.0.0"));
        agents.forEach(a -> assertThat(fleet.answer(a.appPort)).contains("2.0.0"));

        fleet.api.patch("/api/v1/environments/switch", "{\"mode\":\"PULL\"}").expect(200);
        awaitAckedMode("switch", "PULL");
        awaitSucceeded(fleet.deploy("switch", "hello-sw", "3.0.0"));
        agents.forEach(a -> assertThat(fleet.answer(a.appPort)).contains("3.0.0"));
    }

    @Test
    void anAgentThatWasDownConvergesWhenItComesBack() throws Exception {
        fleet.environment("push-down", "PUSH", false, 30);
        AgentProcess agent = fleet.agents("push-down", "down", 1).get(0);
        fleet.application("hello-down", List.of());
        fleet.release("hello-down", "1.0.0", "/health");
        fleet.release("hello-down", "2.0.0", "/health");
        awaitSucceeded(fleet.deploy("push-down", "hello-down", "1.0.0"));

        agent.kill();
        String second = fleet.deploy("push-down", "hello-down", "2.0.0");
        // It starts (PENDING until the executor takes it up) and cannot finish while its only node is down.
        await().atMost(Duration.ofSeconds(15))
                .until(() -> fleet.deployment(second).get("state").asString().equals("RUNNING"));

        AgentProcess back = fleet.restart(agent);
        awaitSucceeded(second);
        assertThat(fleet.answer(back.appPort)).contains("2.0.0");
    }

    @Test
    void anEnrollmentTokenEnrollsOneAgentOnly() throws Exception {
        fleet.environment("tokens", "PULL", false, 30);
        String token = fleet.enrollmentToken("tokens");
        AgentProcess first = new AgentProcess(fleet.controlPlane, token, "first", dir.resolve("agents/first")).start();
        AgentProcess second = new AgentProcess(fleet.controlPlane, token, "second", dir.resolve("agents/second"));
        try {
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> fleet.nodes("tokens").size() == 1);
            second.start();
            assertThat(second.waitForExit(30)).isNotZero();
            assertThat(second.logTail()).containsIgnoringCase("token");
            assertThat(fleet.nodes("tokens"))
                    .extracting(n -> n.get("name").asString())
                    .containsExactly("first");
        } finally {
            first.close();
            second.close();
        }
    }

    @Test
    void aNodeCertificateReadsOnlyItsOwnNode() throws Exception {
        fleet.environment("scoped", "PULL", false, 30);
        List<AgentProcess> agents = fleet.agents("scoped", "sc", 2);
        Path certificate = agents.get(0).dataDir.resolve("tls/node.crt");
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(certificate));
        // The agent's own key and certificate, taken from its data dir: what an attacker on node A holds.
        try (NodeClients.NodeClient asA = NodeClients.of(fleet.controlPlane.grpcTarget(), agents.get(0).dataDir)) {
            String nodeB = fleet.nodes("scoped").stream()
                    .map(n -> n.get("id").asString())
                    .filter(id -> !id.equals(asA.nodeId()))
                    .findFirst()
                    .orElseThrow();
            var stub = AgentGatewayGrpc.newBlockingStub(asA.channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
            assertThat(stub.getDesiredState(GetDesiredStateRequest.newBuilder()
                                    .setNodeId(asA.nodeId())
                                    .build())
                            .hasSchedule())
                    .isTrue();
            assertStatus(
                    () -> stub.getDesiredState(
                            GetDesiredStateRequest.newBuilder().setNodeId(nodeB).build()),
                    Status.Code.PERMISSION_DENIED);
        }
        ManagedChannel plain = Grpc.newChannelBuilder(
                        fleet.controlPlane.grpcTarget(), InsecureChannelCredentials.create())
                .build();
        try {
            assertStatus(
                    () -> AgentGatewayGrpc.newBlockingStub(plain)
                            .withDeadlineAfter(10, TimeUnit.SECONDS)
                            .getDesiredState(GetDesiredStateRequest.getDefaultInstance()),
                    Status.Code.UNAVAILABLE);
        } finally {
            plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void anEnvironmentThatRequiresSignaturesRunsSignedReleasesOnly() throws Exception {
        java.security.KeyPair alice = dev.tide.security.release.ReleaseKeys.generate();
        fleet.environment("signed", "PULL", true, 30);
        fleet.trustReleaseKey("signed", alice, true);
        AgentProcess agent = fleet.agents("signed", "sg", 1).get(0); // pins alice's key at enrollment
        fleet.application("hello-sg", List.of());
        String sha = fleet.uploadHello();
        fleet.signedRelease("hello-sg", "1.0.0", sha, alice);
        fleet.release("hello-sg", "2.0.0", sha, "/health", 30); // not signed

        awaitSucceeded(fleet.deploy("signed", "hello-sg", "1.0.0"));
        assertThat(fleet.answer(agent.appPort)).contains("1.0.0");
        fleet.api
                .post(
                        "/api/v1/deployments",
                        Map.of(
                                "environment",
                                "signed",
                                "releases",
                                List.of(Map.of("application", "hello-sg", "version", "2.0.0"))))
                .expect(409);
        assertThat(fleet.answer(agent.appPort)).contains("1.0.0");
        assertThat(Files.readAllBytes(agent.dataDir.resolve("release-keys.pb"))).isNotEmpty();
    }

    @Test
    void anArchiveEscapingItsFolderIsRefusedByTheAgent() throws Exception {
        fleet.environment("hostile", "PUSH", false, 30);
        AgentProcess agent = fleet.agents("hostile", "ho", 1).get(0);
        fleet.application("evil", List.of());
        byte[] tgz = new TarGz()
                .file("../../escaped.txt", "owned")
                .file("Hello.java", "class Hello {}")
                .build();
        String sha = fleet.api.upload(tgz).expect(201).body().get("sha256").asString();
        fleet.release("evil", "1.0.0", sha, "/health", 5);

        String deployment = fleet.deploy(
                "hostile", List.of(Map.of("application", "evil", "version", "1.0.0")), Map.of("autoRollback", false));
        JsonNode failed = fleet.awaitDeployment(deployment, "FAILED", DEPLOY);

        assertThat(failed.get("targets").get(0).get("error").asString()).isNotBlank();
        try (var files = Files.walk(agent.dataDir.getParent())) {
            assertThat(files.filter(p -> p.getFileName().toString().equals("escaped.txt")))
                    .isEmpty();
        }
    }

    /**
     * A node that drifts after a deployment: an agent checking its applications every second, and
     * the example application killed, hung and tampered with. Each time the agent puts it back and
     * the API shows what happened; the deployment is not touched.
     */
    @Test
    void aKilledAHungAndATamperedAppAreEachPutBackAndReported() throws Exception {
        fleet.environment("drift", "PULL", true, 30);
        AgentProcess agent = fleet.enrolledAgent(fleet.enrollmentToken("drift"), "dr-1", "--check-interval", "1s");
        await().atMost(Duration.ofSeconds(60)).until(() -> fleet.nodes("drift").size() == 1);
        fleet.application("hello-dr", List.of());
        fleet.compiledRelease("hello-dr", "1.0.0", "port", List.of());
        String deployment = fleet.deploy("drift", "hello-dr", "1.0.0");
        try {
            fleet.awaitDeployment(deployment, "SUCCEEDED", Duration.ofSeconds(60));
        } catch (AssertionError | org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionFailedError("not deployed: " + fleet.diagnostics(), e);
        }
        assertThat(actual().get("running").get("version").asString()).isEqualTo("1.0.0");

        // (a) kill -9: the supervisor starts it again
        ProcessHandle first = app().orElseThrow();
        long killedAt = System.nanoTime();
        first.destroyForcibly();
        ProcessHandle second = awaitAnsweringAgain(first, agent.appPort);
        measured("killed app answering again", killedAt);
        awaitLastEvent("RESTARTED", "process restarted after it exited");

        // (b) hung: alive, but its health check times out three times in a row
        long hungAt = System.nanoTime();
        hang(agent.appPort);
        ProcessHandle third = awaitAnsweringAgain(second, agent.appPort);
        measured("hung app answering again", hungAt);
        assertThat(second.isAlive()).isFalse();
        awaitLastEvent("RESTARTED", "process restarted: hung: health check GET http://127.0.0.1:" + agent.appPort);
        assertThat(third.pid()).isNotEqualTo(second.pid());

        // (c) a release file edited on disk: restored from the verified artifact, app restarted
        Path classFile = agent.dataDir.resolve("apps/hello-dr/current/Hello.class");
        byte[] original = Files.readAllBytes(classFile);
        long editedAt = System.nanoTime();
        Files.writeString(classFile, "tampered", StandardOpenOption.APPEND);
        JsonNode drifted = awaitLastEvent("DRIFTED", "Hello.class (changed)");
        measured("edited release file restored and reported", editedAt);
        assertThat(drifted.get("message").asString()).contains("restored from the verified artifact");
        assertThat(Files.readAllBytes(classFile)).isEqualTo(original);
        awaitAnsweringAgain(third, agent.appPort);
        await().atMost(RECOVER).untilAsserted(() -> {
            JsonNode node = fleet.nodes("drift").get(0);
            assertThat(node.get("converged").asBoolean()).isTrue();
            assertThat(actual().get("state").asString()).isEqualTo("HEALTHY");
        });
        // Nothing of this touched the deployment: it stays as it finished.
        assertThat(fleet.deployment(deployment).get("state").asString()).isEqualTo("SUCCEEDED");
    }

    /** Prints how long a recovery took, for docs/reliability.md. */
    private static void measured(String what, long sinceNanos) {
        System.out.printf(
                "measured: %s in %d ms; last event %s%n",
                what, (System.nanoTime() - sinceNanos) / 1_000_000, actual().get("lastEvent"));
    }

    private static JsonNode actual() {
        return fleet.nodes("drift").get(0).get("applications").get(0).get("actual");
    }

    private static Optional<ProcessHandle> app() {
        return fleet.applicationProcesses().stream().findFirst();
    }

    /** Waits until another process of the app answers on {@code port}. */
    private static ProcessHandle awaitAnsweringAgain(ProcessHandle before, int port) {
        return await().atMost(RECOVER)
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> app().filter(p -> p.pid() != before.pid())
                                .filter(p -> fleet.answer(port) != null)
                                .orElse(null),
                        p -> p != null);
    }

    private static JsonNode awaitLastEvent(String type, String messagePart) {
        return await().atMost(RECOVER)
                .pollInterval(Duration.ofMillis(250))
                .until(
                        () -> actual().get("lastEvent"),
                        e -> e != null
                                && !e.isNull()
                                && e.get("type").asString().equals(type)
                                && e.get("message").asString().contains(messagePart));
    }

    /** Asks the app to hang; it never answers that request. */
    private static void hang(int port) throws Exception {
        java.net.http.HttpClient.newHttpClient()
                .sendAsync(
                        java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/hang"))
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding());
        await().atMost(Duration.ofSeconds(5)).until(() -> fleet.answer(port) == null);
    }

    private static void awaitSucceeded(String deployment) {
        try {
            fleet.awaitDeployment(deployment, "SUCCEEDED", DEPLOY);
        } catch (AssertionError | org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionFailedError(
                    "deployment " + deployment + " did not succeed: " + fleet.deployment(deployment) + "\n"
                            + fleet.diagnostics(),
                    e);
        }
    }

    private static void awaitAckedMode(String environment, String mode) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(250))
                .until(() -> fleet.nodes(environment).stream()
                        .allMatch(n -> mode.equals(n.get("ackedMode").asString(""))));
    }

    private static void assertTimestampsOrdered(JsonNode deployment) {
        for (JsonNode t : deployment.get("targets")) {
            Instant desired = Instant.parse(t.get("desiredAt").asString());
            Instant delivered = Instant.parse(t.get("deliveredAt").asString());
            Instant applied = Instant.parse(t.get("appliedAt").asString());
            Instant healthy = Instant.parse(t.get("healthyAt").asString());
            assertThat(delivered).isAfterOrEqualTo(desired.minusSeconds(1));
            assertThat(applied).isAfterOrEqualTo(delivered);
            assertThat(healthy).isAfterOrEqualTo(applied);
        }
    }

    private static void assertStatus(Runnable call, Status.Code code) {
        try {
            call.run();
            throw new AssertionError("expected " + code);
        } catch (StatusRuntimeException e) {
            assertThat(e.getStatus().getCode()).isEqualTo(code);
        }
    }

    @SafeVarargs
    private static <T> List<T> concat(List<T>... lists) {
        return java.util.Arrays.stream(lists).flatMap(List::stream).toList();
    }
}
