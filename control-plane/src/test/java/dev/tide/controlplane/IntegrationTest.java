package dev.tide.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.node.Node;
import dev.tide.controlplane.node.NodeRepository;
import dev.tide.controlplane.security.ApiTokenService;
import dev.tide.controlplane.security.Role;
import dev.tide.controlplane.security.UserService;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.web.servlet.MockMvc;
import tools.jackson.databind.JsonNode;

/**
 * Base of every integration test: one Spring context for the whole suite (same annotations and
 * properties everywhere, so the test context cache starts it once), the real embedded PostgreSQL
 * under a fresh data directory per JVM, and helpers to call the API as a user of each role. Tests
 * isolate by unique names, never by wiping the database.
 */
@SpringBootTest(
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "tide.admin-password=" + IntegrationTest.ADMIN_PASSWORD,
            "spring.grpc.server.port=0",
            // A throttled sign-in is let in again after 2 s, so a test can wait for it.
            "tide.login.lockout=2s"
        })
@AutoConfigureMockMvc
@Import(StatementCounter.class)
public abstract class IntegrationTest {
    /** Password of the bootstrap user {@code admin}. */
    protected static final String ADMIN_PASSWORD = "it-admin-secret-42";

    private static final Path DATA_DIR = TestDataDirectory.create();
    private static final Map<Role, Caller> SHARED_CALLERS = new EnumMap<>(Role.class);

    @DynamicPropertySource
    static void dataDirectory(DynamicPropertyRegistry registry) {
        registry.add("tide.data-dir", DATA_DIR::toString);
    }

    @Autowired
    protected MockMvc mvc;

    @Autowired
    protected JdbcTemplate jdbc;

    @Autowired
    private UserService userService;

    @Autowired
    private ApiTokenService tokenService;

    @Autowired
    private NodeRepository nodeRepository;

    /** A user who calls the API with an API token (fast) or HTTP Basic (password). */
    public record Caller(String name, String password, Role role, String token) {}

    protected static Path dataDir() {
        return DATA_DIR;
    }

    /** {@code prefix-} and 8 random hex digits: a valid, unique name. */
    protected static String unique(String prefix) {
        return prefix + "-" + HexFormat.of().formatHex(randomBytes(4));
    }

    protected static byte[] randomBytes(int size) {
        byte[] bytes = new byte[size];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    protected static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Shared users, one per role, created once per JVM; tests must not change them. */
    protected Caller admin() {
        return shared(Role.ADMIN);
    }

    protected Caller deployer() {
        return shared(Role.DEPLOYER);
    }

    protected Caller viewer() {
        return shared(Role.VIEWER);
    }

    private Caller shared(Role role) {
        synchronized (SHARED_CALLERS) {
            return SHARED_CALLERS.computeIfAbsent(role, this::newCaller);
        }
    }

    /** A new user of this role, with an API token, that a test may change or delete. */
    protected Caller newCaller(Role role) {
        String name = unique("it-" + role.name().toLowerCase());
        String password = "pw-" + UUID.randomUUID();
        userService.create(name, password, role);
        String token = tokenService.create(name, "it-token", null).secret();
        return new Caller(name, password, role, token);
    }

    protected ApiClient as(Caller caller) {
        return ApiClient.bearer(mvc, caller.token());
    }

    protected ApiClient basic(String user, String password) {
        return ApiClient.basic(mvc, user, password);
    }

    protected ApiClient bearer(String token) {
        return ApiClient.bearer(mvc, token);
    }

    protected ApiClient anonymous() {
        return ApiClient.anonymous(mvc);
    }

    // Fixtures, created through the API as the shared admin unless said otherwise.

    protected String createEnvironment(String mode) {
        String name = unique("env");
        as(admin())
                .post("/api/v1/environments", Map.of("name", name, "mode", mode))
                .expect(201);
        return name;
    }

    protected String uploadArtifact(byte[] bytes) {
        return as(admin())
                .postBytes("/api/v1/artifacts", bytes, "application/octet-stream")
                .expect(201)
                .text("/sha256");
    }

    protected String createApplication(String... dependsOn) {
        String name = unique("app");
        as(admin())
                .post("/api/v1/applications", Map.of("name", name, "dependsOn", Arrays.asList(dependsOn)))
                .expect(201);
        return name;
    }

    /** A minimal valid release body. */
    protected static Map<String, Object> releaseBody(String version, String artifactSha256) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", version);
        body.put("artifactSha256", artifactSha256);
        body.put("start", List.of("bin/run", "--port", "${node.label.port}"));
        return body;
    }

    protected void createRelease(String application, String version) {
        String sha = uploadArtifact(randomBytes(64));
        as(admin())
                .post("/api/v1/applications/{app}/releases", releaseBody(version, sha), application)
                .expect(201);
    }

    /** The body of {@code POST /api/v1/deployments}: these versions of these applications. */
    protected static Map<String, Object> deploymentBody(String environment, Map<String, String> versionByApp) {
        return Map.of(
                "environment",
                environment,
                "releases",
                versionByApp.entrySet().stream()
                        .map(e -> Map.of("application", e.getKey(), "version", e.getValue()))
                        .toList());
    }

    /** Nodes are created by agent enrollment; tests insert them directly. */
    protected Node insertNode(String environment, String name, Map<String, String> labels) {
        return nodeRepository.save(
                new Node(UUID.randomUUID(), name, environment, labels, null, null, "it-agent", Instant.now()));
    }

    /** Audit events whose subject starts with {@code subject}, newest first. */
    protected List<JsonNode> auditEvents(String subject) {
        JsonNode page = as(admin())
                .get("/api/v1/audit?subject={subject}&size=500", subject)
                .expect(200)
                .json();
        return page.path("items").valueStream().toList();
    }

    /** Asserts that the newest event for {@code subject} is {@code action} by {@code actor}. */
    protected JsonNode assertLatestAudit(String subject, String action, String actor) {
        List<JsonNode> events = auditEvents(subject);
        assertThat(events).as("audit events of %s", subject).isNotEmpty();
        JsonNode latest = events.get(0);
        assertThat(latest.path("action").asString()).isEqualTo(action);
        assertThat(latest.path("actor").asString()).isEqualTo(actor);
        assertThat(latest.path("subject").asString()).isEqualTo(subject);
        return latest;
    }

    protected long count(String sql, Object... args) {
        Long n = jdbc.queryForObject(sql, Long.class, args);
        return n == null ? 0 : n;
    }

    protected static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
