package dev.tide.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;

import dev.tide.controlplane.ApiClient;
import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.node.Node;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockMultipartFile;

/** The access table of SecurityConfiguration, role by role, through the real filter chain. */
class RoleAccessTests extends IntegrationTest {
    private String env;
    private String app;
    private String sha;
    private Node node;

    @BeforeEach
    void world() {
        env = createEnvironment("PULL");
        app = createApplication();
        createRelease(app, "1.0.0");
        sha = uploadArtifact(randomBytes(64));
        node = insertNode(env, "web-1", Map.of());
    }

    @Test
    void viewerCanReadEverything() {
        ApiClient viewer = as(viewer());
        String deployment = as(admin())
                .post("/api/v1/deployments", deployment("1.0.0"))
                .expect(201)
                .text("/id");

        for (String uri : List.of(
                "/api/v1/environments",
                "/api/v1/environments/" + env,
                "/api/v1/environments/" + env + "/enrollment-tokens",
                "/api/v1/nodes?environment=" + env,
                "/api/v1/nodes/" + node.getId(),
                "/api/v1/artifacts/" + sha,
                "/api/v1/artifacts/" + sha + "/content",
                "/api/v1/applications",
                "/api/v1/applications/" + app,
                "/api/v1/applications/" + app + "/releases",
                "/api/v1/applications/" + app + "/releases/1.0.0",
                "/api/v1/deployments?environment=" + env,
                "/api/v1/deployments/" + deployment,
                "/api/v1/audit",
                "/api/v1/tokens")) {
            viewer.get(uri).expect(200);
        }
    }

    @Test
    void viewerGets403OnEveryKindOfMutationAndNothingChanges() {
        ApiClient viewer = as(viewer());
        // Only the viewer's own events: the rollout writes "system" events in the background.
        String auditByViewer = "select count(*) from audit_event where actor = '" + viewer().name() + "'";
        long auditBefore = count(auditByViewer);

        viewer.post("/api/v1/environments", Map.of("name", unique("env"))).expectProblem(403);
        viewer.patch("/api/v1/environments/{env}", Map.of("mode", "PUSH"), env).expectProblem(403);
        viewer.delete("/api/v1/environments/{env}", env).expectProblem(403);
        viewer.post("/api/v1/environments/{env}/enrollment-tokens", null, env).expectProblem(403);
        viewer.delete("/api/v1/nodes/{id}", node.getId()).expectProblem(403);
        viewer.postBytes("/api/v1/artifacts", randomBytes(16), "application/octet-stream")
                .expectProblem(403);
        viewer.send(multipart("/api/v1/artifacts").file(new MockMultipartFile("file", randomBytes(16))))
                .expectProblem(403);
        viewer.post("/api/v1/applications", Map.of("name", unique("app"))).expectProblem(403);
        viewer.patch("/api/v1/applications/{app}", Map.of("description", "x"), app)
                .expectProblem(403);
        viewer.post("/api/v1/applications/{app}/releases", releaseBody("2.0.0", sha), app)
                .expectProblem(403);
        viewer.post("/api/v1/deployments", deployment("1.0.0")).expectProblem(403);
        viewer.post("/api/v1/users", Map.of("name", unique("u"), "password", "long enough pw", "role", "ADMIN"))
                .expectProblem(403);

        assertThat(count(auditByViewer)).isEqualTo(auditBefore);
        assertThat(as(viewer())
                        .get("/api/v1/environments/{env}", env)
                        .expect(200)
                        .text("/mode"))
                .isEqualTo("PULL");
        assertThat(count("select count(*) from deployment where environment = ?", env))
                .isZero();
    }

    @Test
    void deployerUploadsReleasesAndDeploys() {
        ApiClient deployer = as(deployer());

        String artifact = deployer.postBytes("/api/v1/artifacts", randomBytes(16), "application/octet-stream")
                .expect(201)
                .text("/sha256");
        deployer.send(multipart("/api/v1/artifacts").file(new MockMultipartFile("file", randomBytes(17))))
                .expect(201);
        deployer.post("/api/v1/applications/{app}/releases", releaseBody("2.0.0", artifact), app)
                .expect(201);
        String id = deployer.post("/api/v1/deployments", deployment("2.0.0"))
                .expect(201)
                .text("/id");

        assertLatestAudit("deployment/" + id, "deployment.create", deployer().name());
    }

    @Test
    void deployerGets403OnAdministration() {
        ApiClient deployer = as(deployer());
        String newEnv = unique("env");
        String newApp = unique("app");

        deployer.post("/api/v1/environments", Map.of("name", newEnv)).expectProblem(403);
        deployer.patch("/api/v1/environments/{env}", Map.of("mode", "PUSH"), env)
                .expectProblem(403);
        deployer.post("/api/v1/environments/{env}/enrollment-tokens", null, env).expectProblem(403);
        deployer.post("/api/v1/applications", Map.of("name", newApp)).expectProblem(403);
        deployer.delete("/api/v1/nodes/{id}", node.getId()).expectProblem(403);
        deployer.post("/api/v1/users", Map.of("name", unique("u"), "password", "long enough pw", "role", "ADMIN"))
                .expectProblem(403);

        assertThat(count("select count(*) from environment where name = ?", newEnv))
                .isZero();
        assertThat(count("select count(*) from application where name = ?", newApp))
                .isZero();
        assertThat(count("select count(*) from node where id = ?", node.getId()))
                .isEqualTo(1);
    }

    @Test
    void adminCanDoEverything() {
        ApiClient admin = as(admin());
        String newEnv = unique("env");

        admin.post("/api/v1/environments", Map.of("name", newEnv)).expect(201);
        admin.patch("/api/v1/environments/{env}", Map.of("mode", "PUSH"), newEnv)
                .expect(200);
        admin.post("/api/v1/environments/{env}/enrollment-tokens", null, newEnv).expect(201);
        admin.post("/api/v1/applications", Map.of("name", unique("app"))).expect(201);
        admin.patch("/api/v1/applications/{app}", Map.of("description", "by admin"), app)
                .expect(200);
        String artifact = admin.postBytes("/api/v1/artifacts", randomBytes(16), "application/octet-stream")
                .expect(201)
                .text("/sha256");
        admin.post("/api/v1/applications/{app}/releases", releaseBody("2.0.0", artifact), app)
                .expect(201);
        admin.post("/api/v1/deployments", deployment("2.0.0")).expect(201);
        admin.delete("/api/v1/nodes/{id}", node.getId()).expect(204);
        admin.post("/api/v1/users", Map.of("name", unique("u"), "password", "long enough pw", "role", "VIEWER"))
                .expect(201);
        admin.get("/api/v1/users").expect(200);
        admin.delete("/api/v1/environments/{env}", newEnv).expect(204);
    }

    private Map<String, Object> deployment(String version) {
        return Map.of("environment", env, "releases", List.of(Map.of("application", app, "version", version)));
    }
}
