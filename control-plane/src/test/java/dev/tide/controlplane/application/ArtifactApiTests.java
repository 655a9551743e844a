package dev.tide.controlplane.application;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;

import dev.tide.controlplane.ApiResponse;
import dev.tide.controlplane.IntegrationTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockMultipartFile;
import tools.jackson.databind.JsonNode;

/** {@code /api/v1/artifacts}: raw and multipart uploads, content addressing, metadata. */
class ArtifactApiTests extends IntegrationTest {

    @Test
    void rawUploadAnswersDigestAndSizeAndStoresTheBytes() throws IOException {
        byte[] bytes = randomBytes(10_000);

        JsonNode artifact = as(deployer())
                .postBytes("/api/v1/artifacts", bytes, "application/java-archive")
                .expect(201)
                .json();

        String sha = sha256(bytes);
        assertThat(artifact.path("sha256").asString()).isEqualTo(sha);
        assertThat(artifact.path("size").asLong()).isEqualTo(10_000);
        assertThat(artifact.path("mediaType").asString()).isEqualTo("application/java-archive");
        assertThat(artifact.path("createdBy").asString()).isEqualTo(deployer().name());
        Path stored = dataDir()
                .resolve("artifacts/sha256")
                .resolve(sha.substring(0, 2))
                .resolve(sha);
        assertThat(Files.readAllBytes(stored)).isEqualTo(bytes);
        JsonNode event = assertLatestAudit(
                "artifact/" + sha, "artifact.upload", deployer().name());
        assertThat(event.path("details").path("size").asLong()).isEqualTo(10_000);
    }

    @Test
    void gzipBytesSentAsOctetStreamAreRecognised() {
        byte[] bytes = randomBytes(100);
        bytes[0] = 0x1f;
        bytes[1] = (byte) 0x8b;

        ApiResponse response = as(deployer()).postBytes("/api/v1/artifacts", bytes, "application/octet-stream");

        assertThat(response.expect(201).text("/mediaType")).isEqualTo("application/gzip");
    }

    @Test
    void multipartUploadAnswersTheSameDigest() {
        byte[] bytes = randomBytes(4096);
        MockMultipartFile file = new MockMultipartFile("file", "app.tar.gz", "application/x-tar", bytes);

        JsonNode artifact = as(deployer())
                .send(multipart("/api/v1/artifacts").file(file))
                .expect(201)
                .json();

        assertThat(artifact.path("sha256").asString()).isEqualTo(sha256(bytes));
        assertThat(artifact.path("size").asLong()).isEqualTo(4096);
        assertThat(artifact.path("mediaType").asString()).isEqualTo("application/x-tar");
        as(viewer()).get("/api/v1/artifacts/{sha}", sha256(bytes)).expect(200);
    }

    @Test
    void multipartWithoutFilePartIsRefused() {
        MockMultipartFile other = new MockMultipartFile("upload", "x", "application/octet-stream", randomBytes(8));

        as(deployer()).send(multipart("/api/v1/artifacts").file(other)).expectProblem(400);
    }

    @Test
    void reUploadIsIdempotent() {
        byte[] bytes = randomBytes(2048);
        String sha = sha256(bytes);
        JsonNode first = as(deployer())
                .postBytes("/api/v1/artifacts", bytes, "application/octet-stream")
                .expect(201)
                .json();

        JsonNode second = as(admin())
                .send(multipart("/api/v1/artifacts")
                        .file(new MockMultipartFile("file", "again.bin", "application/octet-stream", bytes)))
                .expect(201)
                .json();

        assertThat(second).isEqualTo(first);
        assertThat(second.path("createdBy").asString()).isEqualTo(deployer().name());
        assertThat(count("select count(*) from artifact where sha256 = ?", sha)).isEqualTo(1);
        assertThat(auditEvents("artifact/" + sha)).hasSize(1);
    }

    @Test
    void emptyBodyIsRefusedAndNothingIsRecorded() throws IOException {
        long artifactsBefore = count("select count(*) from artifact");

        as(deployer())
                .postBytes("/api/v1/artifacts", new byte[0], "application/octet-stream")
                .expectProblem(400, "body");

        assertThat(count("select count(*) from artifact")).isEqualTo(artifactsBefore);
        try (Stream<Path> partial = Files.list(dataDir().resolve("artifacts/tmp"))) {
            assertThat(partial).isEmpty();
        }
    }

    @Test
    void getAnswersMetadataAndContent() {
        byte[] bytes = utf8("#!/bin/sh\necho hello\n");
        String sha = uploadArtifact(bytes);

        JsonNode meta =
                as(viewer()).get("/api/v1/artifacts/{sha}", sha).expect(200).json();
        ApiResponse content =
                as(viewer()).get("/api/v1/artifacts/{sha}/content", sha).expect(200);

        assertThat(meta.path("size").asLong()).isEqualTo(bytes.length);
        assertThat(meta.path("createdAt").asString()).isNotBlank();
        assertThat(content.body()).isEqualTo("#!/bin/sh\necho hello\n");
    }

    @Test
    void anHtmlUploadIsServedAsAnAttachmentThatNoBrowserRendersOrSniffs() {
        byte[] html = utf8("<html><body><script>fetch('/api/v1/users')</script></body></html>" + unique("x"));
        String sha = as(deployer())
                .postBytes("/api/v1/artifacts", html, "text/html")
                .expect(201)
                .text("/sha256");
        assertThat(as(viewer()).get("/api/v1/artifacts/{sha}", sha).expect(200).text("/mediaType"))
                .isEqualTo("text/html");

        ApiResponse content =
                as(viewer()).get("/api/v1/artifacts/{sha}/content", sha).expect(200);

        assertThat(content.contentType()).isEqualTo("application/octet-stream");
        assertThat(content.header("Content-Disposition")).isEqualTo("attachment; filename=\"" + sha + "\"");
        assertThat(content.header("X-Content-Type-Options")).isEqualTo("nosniff");
        assertThat(content.header("Content-Security-Policy")).isEqualTo("sandbox; default-src 'none'");
        assertThat(content.body()).isEqualTo(new String(html, StandardCharsets.UTF_8));
    }

    @Test
    void unknownArtifactIs404() {
        as(viewer()).get("/api/v1/artifacts/{sha}", sha256(randomBytes(8))).expectProblem(404);
        as(viewer()).get("/api/v1/artifacts/{sha}", "not-a-digest").expectProblem(404);
    }
}
