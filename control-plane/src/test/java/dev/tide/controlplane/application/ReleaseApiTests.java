package dev.tide.controlplane.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.security.test.web.servlet.request.SecurityMockMvcRequestPostProcessors.user;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import dev.tide.controlplane.ApiResponse;
import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.security.UserService;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/applications/{name}/releases}: immutable releases and each validation rule. */
class ReleaseApiTests extends IntegrationTest {
    @Autowired
    private UserService users;

    private String app;
    private String sha;

    @BeforeEach
    void applicationAndArtifact() {
        app = createApplication();
        sha = uploadArtifact(randomBytes(256));
    }

    @Test
    void createsFullReleaseAndAudits() {
        Map<String, Object> body = releaseBody("1.4.0+build.7", sha);
        body.put("env", Map.of("PORT", "${node.label.port}", "NODE", "${node.name}@${environment.name}"));
        body.put("configFiles", Map.of("conf/app.properties", "name=${node.name}\n", "motd.txt", "hello"));
        body.put(
                "healthCheck",
                Map.of("http", Map.of("port", "${node.label.port}", "path", "/health"), "timeoutSeconds", 20));

        JsonNode release = as(deployer())
                .post("/api/v1/applications/{app}/releases", body, app)
                .expect(201)
                .json();

        assertThat(release.path("application").asString()).isEqualTo(app);
        assertThat(release.path("version").asString()).isEqualTo("1.4.0+build.7");
        assertThat(release.path("artifactSha256").asString()).isEqualTo(sha);
        assertThat(release.path("start").valueStream().map(JsonNode::asString))
                .containsExactly("bin/run", "--port", "${node.label.port}");
        assertThat(release.path("env").path("NODE").asString()).isEqualTo("${node.name}@${environment.name}");
        assertThat(release.path("configFiles").path("conf/app.properties").asString())
                .isEqualTo("name=${node.name}\n");
        assertThat(release.path("healthCheck").path("http").path("path").asString())
                .isEqualTo("/health");
        assertThat(release.path("healthCheck").path("timeoutSeconds").asInt()).isEqualTo(20);
        assertThat(release.path("healthCheck").has("tcp")).isFalse();
        assertThat(release.path("signed").asBoolean()).isFalse();
        assertThat(release.path("createdBy").asString()).isEqualTo(deployer().name());
        JsonNode event = assertLatestAudit(
                "application/" + app, "release.create", deployer().name());
        assertThat(event.path("details").path("version").asString()).isEqualTo("1.4.0+build.7");
    }

    @Test
    void numericPortsAndCommandChecksAreAccepted() {
        Map<String, Object> tcp = releaseBody("1.0.0", sha);
        tcp.put("healthCheck", Map.of("tcp", Map.of("port", 5432)));
        Map<String, Object> command = releaseBody("1.0.1", sha);
        command.put("healthCheck", Map.of("command", List.of("bin/check", "--quick")));

        JsonNode tcpRelease = as(deployer())
                .post("/api/v1/applications/{app}/releases", tcp, app)
                .expect(201)
                .json();
        as(deployer()).post("/api/v1/applications/{app}/releases", command, app).expect(201);

        assertThat(tcpRelease.path("healthCheck").path("tcp").path("port").asString())
                .isEqualTo("5432");
    }

    @Test
    void listsNewestFirstAndGetsOneByVersion() {
        for (String version : List.of("1.0.0", "1.1.0", "2.0.0")) {
            as(deployer())
                    .post("/api/v1/applications/{app}/releases", releaseBody(version, sha), app)
                    .expect(201);
        }

        List<String> versions = as(viewer())
                .get("/api/v1/applications/{app}/releases", app)
                .expect(200)
                .json()
                .valueStream()
                .map(r -> r.path("version").asString())
                .toList();
        JsonNode one = as(viewer())
                .get("/api/v1/applications/{app}/releases/{version}", app, "1.1.0")
                .expect(200)
                .json();

        assertThat(versions).containsExactly("2.0.0", "1.1.0", "1.0.0");
        assertThat(one.path("version").asString()).isEqualTo("1.1.0");
        as(viewer())
                .get("/api/v1/applications/{app}/releases/{version}", app, "9.9.9")
                .expectProblem(404);
        as(viewer())
                .get("/api/v1/applications/{app}/releases", unique("missing"))
                .expectProblem(404);
    }

    @Test
    void duplicateVersionIsConflictAndTheFirstStays() {
        as(deployer())
                .post("/api/v1/applications/{app}/releases", releaseBody("1.0.0", sha), app)
                .expect(201);
        Map<String, Object> again = releaseBody("1.0.0", uploadArtifact(randomBytes(99)));

        ApiResponse response = as(deployer())
                .post("/api/v1/applications/{app}/releases", again, app)
                .expectProblem(409);

        assertThat(response.text("/detail")).contains("immutable");
        assertThat(as(viewer())
                        .get("/api/v1/applications/{app}/releases/{version}", app, "1.0.0")
                        .expect(200)
                        .text("/artifactSha256"))
                .isEqualTo(sha);
    }

    @Test
    void unknownArtifactIsUnprocessable() {
        String unknown = sha256(randomBytes(32));

        refused(422, "artifactSha256", b -> b.put("artifactSha256", unknown));
    }

    @Test
    void releaseOfUnknownApplicationIs404() {
        as(deployer())
                .post("/api/v1/applications/{app}/releases", releaseBody("1.0.0", sha), unique("missing"))
                .expectProblem(404);
    }

    @Test
    void invalidVersionIsNamed() {
        refused(400, "version", b -> b.put("version", "1.0 final"));
        refused(400, "version", b -> b.put("version", "../1.0"));
        refused(400, "version", b -> b.remove("version"));
    }

    @Test
    void malformedArtifactDigestIsNamed() {
        refused(400, "artifactSha256", b -> b.put("artifactSha256", sha.toUpperCase()));
    }

    @Test
    void startMustBeANonEmptyArgv() {
        refused(400, "start", b -> b.put("start", List.of()));
        refused(400, "start", b -> b.remove("start"));
        refused(400, "start[0]", b -> b.put("start", List.of(" ", "x")));
    }

    @Test
    void envNamesAndPlaceholdersAreChecked() {
        refused(400, "env.1PORT", b -> b.put("env", Map.of("1PORT", "80")));
        refused(400, "env.SECRET", b -> b.put("env", Map.of("SECRET", "${node.password}")));
        refused(400, "env.HALF", b -> b.put("env", Map.of("HALF", "${node.name")));
    }

    @Test
    void secretEnvValuesAreStoredButNeverAnsweredShownOrAudited() throws Exception {
        String secret = "s3cret-" + unique("pw");
        Map<String, Object> body = releaseBody("2.0.0", sha);
        body.put("env", Map.of("PORT", "8080"));
        body.put("secretEnv", Map.of("DB_PASSWORD", secret));

        ApiResponse created = as(deployer())
                .post("/api/v1/applications/{app}/releases", body, app)
                .expect(201);

        List<ApiResponse> answers = List.of(
                created,
                as(viewer())
                        .get("/api/v1/applications/{app}/releases/2.0.0", app)
                        .expect(200),
                as(admin())
                        .get("/api/v1/applications/{app}/releases/2.0.0", app)
                        .expect(200),
                as(viewer()).get("/api/v1/applications/{app}/releases", app).expect(200),
                as(admin()).get("/api/v1/audit?subject=application/{app}", app).expect(200));
        for (ApiResponse answer : answers) {
            assertThat(answer.body()).doesNotContain(secret);
        }
        JsonNode release = answers.get(1).json();
        assertThat(release.path("env").path("PORT").asString()).isEqualTo("8080");
        assertThat(release.path("secretEnv").path("DB_PASSWORD").asString()).isEqualTo("••••••");
        JsonNode event = assertLatestAudit(
                "application/" + app, "release.create", deployer().name());
        assertThat(event.path("details").path("secretEnv").valueStream().map(JsonNode::asString))
                .containsExactly("DB_PASSWORD");
        String page = mvc.perform(get("/applications/{app}", app).with(user(users.loadUserByUsername(viewer().name()))))
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(page).contains("DB_PASSWORD=••••••").doesNotContain(secret);
        assertThat(jdbc.queryForObject(
                        "select secret_env ->> 'DB_PASSWORD' from release where application = ? and version = '2.0.0'",
                        String.class,
                        app))
                .isEqualTo(secret);
    }

    @Test
    void secretEnvNamesAreCheckedAndMayNotAlsoBePlain() {
        refused(400, "secretEnv.1KEY", b -> b.put("secretEnv", Map.of("1KEY", "x")));
        refused(400, "secretEnv.PORT", b -> {
            b.put("env", Map.of("PORT", "80"));
            b.put("secretEnv", Map.of("PORT", "81"));
        });
        String hidden = unique("part");
        Map<String, Object> body = new HashMap<>(releaseBody("1.0.0", sha));
        body.put("secretEnv", Map.of("TOKEN", "pa${" + hidden + "}word"));
        ApiResponse refused = as(deployer())
                .post("/api/v1/applications/{app}/releases", body, app)
                .expectProblem(400, "secretEnv.TOKEN");
        assertThat(refused.body()).as("the answer does not quote the secret").doesNotContain(hidden);
    }

    @Test
    void configFilePathsMustStayInsideTheReleaseFolder() {
        refused(400, "configFiles.../../etc/passwd", b -> b.put("configFiles", Map.of("../../etc/passwd", "x")));
        refused(400, "configFiles./etc/passwd", b -> b.put("configFiles", Map.of("/etc/passwd", "x")));
        refused(400, "configFiles.conf/../x", b -> b.put("configFiles", Map.of("conf/../x", "x")));
        refused(400, "configFiles.conf/app.yml", b -> b.put("configFiles", Map.of("conf/app.yml", "${nope}")));
    }

    @Test
    void healthCheckMustHaveExactlyOneKindAndValidPorts() {
        refused(
                400,
                "healthCheck",
                b -> b.put("healthCheck", Map.of("http", Map.of("port", "8080"), "tcp", Map.of("port", "8080"))));
        refused(400, "healthCheck", b -> b.put("healthCheck", Map.of("timeoutSeconds", 5)));
        refused(400, "healthCheck.tcp.port", b -> b.put("healthCheck", Map.of("tcp", Map.of("port", 70000))));
        refused(400, "healthCheck.http.port", b -> b.put("healthCheck", Map.of("http", Map.of("port", "http"))));
        refused(
                400,
                "healthCheck.http.port",
                b -> b.put("healthCheck", Map.of("http", Map.of("port", "${node.label.port}x"))));
        refused(
                400,
                "healthCheck.http.path",
                b -> b.put("healthCheck", Map.of("http", Map.of("port", "80", "path", "health"))));
        refused(
                400,
                "healthCheck.timeoutSeconds",
                b -> b.put("healthCheck", Map.of("tcp", Map.of("port", "80"), "timeoutSeconds", 0)));
        refused(400, "healthCheck.command", b -> b.put("healthCheck", Map.of("command", List.of())));
    }

    @Test
    void runAsIsAnOptionalPosixUserName() {
        Map<String, Object> body = releaseBody("1.0.0", sha);
        body.put("runAs", "app_user-1");

        JsonNode release = as(deployer())
                .post("/api/v1/applications/{app}/releases", body, app)
                .expect(201)
                .json();
        JsonNode plain = as(deployer())
                .post("/api/v1/applications/{app}/releases", releaseBody("1.0.1", sha), app)
                .expect(201)
                .json();

        assertThat(release.path("runAs").asString()).isEqualTo("app_user-1");
        assertThat(plain.hasNonNull("runAs")).isFalse();
        refused(400, "runAs", b -> b.put("runAs", "root; rm -rf /"));
        refused(400, "runAs", b -> b.put("runAs", "-o"));
        refused(400, "runAs", b -> b.put("runAs", "Admin"));
        refused(400, "runAs", b -> b.put("runAs", ""));
        refused(400, "runAs", b -> b.put("runAs", "a".repeat(33)));
    }

    @Test
    void everyInvalidFieldIsNamedAtOnce() {
        refused(400, List.of("version", "start", "env.bad-name"), b -> {
            b.put("version", "");
            b.put("start", List.of());
            b.put("env", Map.of("bad-name", "x"));
        });
    }

    @Test
    void wronglyShapedJsonNamesTheField() {
        refused(400, "start", b -> b.put("start", "java -jar app.jar"));
        refused(400, "healthCheck.tcp", b -> b.put("healthCheck", Map.of("tcp", 8080)));
    }

    private void refused(int status, String field, Consumer<Map<String, Object>> change) {
        refused(status, List.of(field), change);
    }

    /** Sends a valid body altered by {@code change}; asserts the refusal and that no release was written. */
    private void refused(int status, List<String> fields, Consumer<Map<String, Object>> change) {
        Map<String, Object> body = new HashMap<>(releaseBody("1.0.0", sha));
        change.accept(body);
        long before = count("select count(*) from release where application = ?", app);

        as(deployer())
                .post("/api/v1/applications/{app}/releases", body, app)
                .expectProblem(status, fields.toArray(String[]::new));

        assertThat(count("select count(*) from release where application = ?", app))
                .isEqualTo(before);
    }
}
