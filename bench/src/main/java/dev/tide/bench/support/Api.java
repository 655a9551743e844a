package dev.tide.bench.support;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** A small REST client for the control plane, authenticated as one user. */
public final class Api {
    public static final JsonMapper JSON = JsonMapper.builder().build();

    /** A response: status and parsed body (a missing node when empty). */
    public record Response(int status, JsonNode body) {
        public Response expect(int expected) {
            if (status != expected) {
                throw new IllegalStateException("expected HTTP " + expected + " but got " + status + ": " + body);
            }
            return this;
        }
    }

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String auth;

    public Api(String base, String user, String password) {
        this(
                base,
                "Basic "
                        + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    private Api(String base, String authorization) {
        this.base = base;
        this.auth = authorization;
    }

    /**
     * The same user with a new API token instead of the password. A password is checked with
     * bcrypt on every request (tens of milliseconds of CPU by design); a token is one SHA-256, so a
     * client that polls, like the bench, does not load the control plane it measures.
     */
    public Api withToken(String name) {
        String token = post("/api/v1/tokens", java.util.Map.of("name", name))
                .expect(201)
                .body()
                .get("token")
                .asString();
        return new Api(base, "Bearer " + token);
    }

    /** The same credentials against another base URL (another replica of the same control plane). */
    public Api at(String otherBase) {
        return new Api(otherBase, auth);
    }

    public Response get(String path) {
        return send(request(path).GET());
    }

    /** {@code /actuator/prometheus}: the sum of every series of each metric, by metric name. */
    public Map<String, Double> metrics() {
        Map<String, Double> sums = new HashMap<>();
        for (String line : text("/actuator/prometheus").split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int nameEnd = line.indexOf('{');
            int valueStart = line.lastIndexOf(' ');
            if (valueStart < 0) {
                continue;
            }
            String name =
                    nameEnd > 0 && nameEnd < valueStart ? line.substring(0, nameEnd) : line.substring(0, valueStart);
            try {
                sums.merge(name.trim(), Double.parseDouble(line.substring(valueStart + 1)), Double::sum);
            } catch (NumberFormatException e) {
                // not a sample line
            }
        }
        return sums;
    }

    /** The body as text (e.g. /actuator/prometheus); fails on a non-2xx status. */
    public String text(String path) {
        try {
            HttpResponse<String> r = http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IllegalStateException("GET " + path + ": HTTP " + r.statusCode() + ": " + r.body());
            }
            return r.body();
        } catch (IOException e) {
            throw new IllegalStateException("request failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public Response post(String path, Object body) {
        return send(request(path).header("Content-Type", "application/json").POST(json(body)));
    }

    public Response put(String path, Object body) {
        return send(request(path).header("Content-Type", "application/json").PUT(json(body)));
    }

    public Response patch(String path, Object body) {
        return send(request(path).header("Content-Type", "application/json").method("PATCH", json(body)));
    }

    public Response delete(String path) {
        return send(request(path).DELETE());
    }

    /** Uploads a .tar.gz artifact. */
    public Response upload(byte[] artifact) {
        return upload(artifact, "application/gzip");
    }

    public Response upload(byte[] artifact, String mediaType) {
        return send(request("/api/v1/artifacts")
                .header("Content-Type", mediaType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(artifact)));
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(120))
                .header("Authorization", auth);
    }

    private static HttpRequest.BodyPublisher json(Object body) {
        return HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : JSON.writeValueAsString(body));
    }

    private Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = r.body().isEmpty() ? JSON.missingNode() : JSON.readTree(r.body());
            return new Response(r.statusCode(), body);
        } catch (IOException e) {
            throw new IllegalStateException("request failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
