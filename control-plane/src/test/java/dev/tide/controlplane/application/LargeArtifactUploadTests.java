package dev.tide.controlplane.application;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.controlplane.IntegrationTest;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A 300 MB artifact goes through the real HTTP port of a control plane whose heap is smaller
 * than the artifact: it must be streamed to disk (and back), never held in memory. Runs in its
 * own surefire execution with {@code -Xmx256m} (see the control-plane pom).
 */
class LargeArtifactUploadTests extends IntegrationTest {
    private static final long SIZE = 300L * 1024 * 1024;

    @LocalServerPort
    int port;

    @Test
    void uploadsAndDownloads300MegabytesWithAHeapSmallerThanTheArtifact() throws Exception {
        assertThat(Runtime.getRuntime().maxMemory())
                .as("this test is only meaningful with a heap smaller than the artifact (surefire -Xmx256m)")
                .isLessThan(SIZE);
        HttpClient client =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        GeneratedStream generated = new GeneratedStream(SIZE, 42);

        HttpResponse<String> upload = client.send(
                request("/api/v1/artifacts")
                        .header("Content-Type", "application/octet-stream")
                        .POST(BodyPublishers.fromPublisher(BodyPublishers.ofInputStream(() -> generated), SIZE))
                        .build(),
                BodyHandlers.ofString());

        assertThat(upload.statusCode()).as(upload.body()).isEqualTo(201);
        JsonNode artifact = JsonMapper.builder().build().readTree(upload.body());
        assertThat(generated.count()).isEqualTo(SIZE);
        String sha = generated.sha256();
        assertThat(artifact.path("sha256").asString()).isEqualTo(sha);
        assertThat(artifact.path("size").asLong()).isEqualTo(SIZE);
        Path stored = dataDir()
                .resolve("artifacts/sha256")
                .resolve(sha.substring(0, 2))
                .resolve(sha);
        assertThat(Files.size(stored)).isEqualTo(SIZE);

        HttpResponse<InputStream> download = client.send(
                request("/api/v1/artifacts/" + sha + "/content").GET().build(), BodyHandlers.ofInputStream());

        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.headers().firstValueAsLong("Content-Length")).hasValue(SIZE);
        assertThat(digest(download.body())).isEqualTo(sha);
        // This JVM's data directory is thrown away: do not keep 300 MB of it until mvn clean.
        Files.delete(stored);
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + admin().token())
                .timeout(Duration.ofMinutes(3));
    }

    private static String digest(InputStream in) throws IOException {
        MessageDigest sha = sha256Digest();
        byte[] buffer = new byte[64 * 1024];
        try (in) {
            for (int n; (n = in.read(buffer)) != -1; ) {
                sha.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code size} pseudo-random bytes made on the fly (xorshift), hashed as they are read. */
    private static final class GeneratedStream extends InputStream {
        private final long size;
        private final MessageDigest sha = sha256Digest();
        private long state;
        private long count;

        GeneratedStream(long size, long seed) {
            this.size = size;
            this.state = seed;
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            return read(one, 0, 1) == -1 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (count == size) {
                return -1;
            }
            int n = (int) Math.min(len, size - count);
            for (int i = 0; i < n; i++) {
                state ^= state << 13;
                state ^= state >>> 7;
                state ^= state << 17;
                b[off + i] = (byte) state;
            }
            sha.update(b, off, n);
            count += n;
            return n;
        }

        long count() {
            return count;
        }

        String sha256() {
            return HexFormat.of().formatHex(sha.digest());
        }
    }
}
