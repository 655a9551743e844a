package dev.tide.controlplane.application;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.IntegrationTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Releases of the reserved application {@code tide-agent}: an agent jar, and nothing else. */
class AgentReleaseApiTests extends IntegrationTest {
    private static final String AGENT = AgentApplication.NAME;

    private String jarSha;

    @BeforeEach
    void agentApplicationAndJar() throws IOException {
        if (count("select count(*) from application where name = ?", AGENT) == 0) {
            as(admin())
                    .post("/api/v1/applications", Map.of("name", AGENT, "dependsOn", List.of()))
                    .expect(201);
        }
        jarSha = uploadArtifact(jar(unique("build")));
    }

    @Test
    void aJarWithoutStartOrHealthCheckIsAnAgentRelease() {
        String version = unique("2.0.0-rc");
        JsonNode release = as(deployer())
                .post(
                        "/api/v1/applications/{app}/releases",
                        Map.of("version", version, "artifactSha256", jarSha),
                        AGENT)
                .expect(201)
                .json();

        assertThat(release.path("start").size()).isZero();
        assertThat(release.path("healthCheck").isMissingNode()
                        || release.path("healthCheck").isNull())
                .isTrue();
    }

    @Test
    void whatTheAgentWouldNotUseIsRefusedByName() {
        for (Map.Entry<String, Object> field : Map.<String, Object>of(
                        "start", List.of("java", "-jar", "tide-agent.jar"),
                        "env", Map.of("A", "b"),
                        "configFiles", Map.of("a.txt", "b"),
                        "healthCheck", Map.of("tcp", Map.of("port", 7070)),
                        "runAs", "tide")
                .entrySet()) {
            as(deployer())
                    .post(
                            "/api/v1/applications/{app}/releases",
                            Map.of("version", "3.0.0", "artifactSha256", jarSha, field.getKey(), field.getValue()),
                            AGENT)
                    .expectProblem(400, field.getKey());
        }
        assertThat(count("select count(*) from release where application = ? and version = '3.0.0'", AGENT))
                .isZero();
    }

    @Test
    void anArtifactThatIsNotAJarIsRefused() {
        String notAJar = uploadArtifact(randomBytes(512));
        as(deployer())
                .post(
                        "/api/v1/applications/{app}/releases",
                        Map.of("version", "4.0.0", "artifactSha256", notAJar),
                        AGENT)
                .expectProblem(400, "artifactSha256");
    }

    @Test
    void nothingDependsOnTheAgentAndItDependsOnNothing() {
        String other = createApplication();
        as(admin())
                .post("/api/v1/applications", Map.of("name", unique("web"), "dependsOn", List.of(AGENT)))
                .expectProblem(400, "dependsOn[0]");
        as(admin())
                .patch("/api/v1/applications/{app}", Map.of("dependsOn", List.of(other)), AGENT)
                .expectProblem(400, "dependsOn[0]");
    }

    private static byte[] jar(String marker) throws IOException {
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "dev.tide.agent.cli.AgentMain");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.putNextEntry(new ZipEntry("marker.txt"));
            jar.write(marker.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            jar.closeEntry();
        }
        return out.toByteArray();
    }
}
