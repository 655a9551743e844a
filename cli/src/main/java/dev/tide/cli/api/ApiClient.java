package dev.tide.cli.api;

import dev.tide.cli.CliException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The control plane's REST API ({@code /api/v1}) over the JDK's HTTP client: JSON in and out, every
 * call with a deadline, every refusal an {@link ApiException} carrying the problem document, every
 * network failure a {@link CliException} naming the URL.
 */
public final class ApiClient {
    public static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration CALL = Duration.ofSeconds(60);
    private static final Duration UPLOAD = Duration.ofMinutes(30);

    private final HttpClient http;
    private final URI base;
    private final String authorization;

    private ApiClient(URI base, String authorization) {
        this.http = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        this.base = base;
        this.authorization = authorization;
    }

    /** Authenticated with an API token (null: anonymous). */
    public static ApiClient withToken(URI base, String token) {
        return new ApiClient(base, token == null ? null : "Bearer " + token);
    }

    /** Authenticated with a user's password: only {@code tide login} does this, to create a token. */
    public static ApiClient withPassword(URI base, String user, String password) {
        return new ApiClient(
                base,
                "Basic "
                        + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A control plane URL as the user typed it: {@code host:port} or a full URL, without the API path.
     *
     * @throws CliException naming the value when it is not an http(s) URL
     */
    public static URI baseUrl(String url) {
        String u = url.strip();
        if (!u.contains("://")) {
            u = "http://" + u;
        }
        u = u.replaceAll("/+$", "").replaceFirst("/api/v1$", "");
        try {
            URI uri = URI.create(u);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
                throw CliException.usage("'" + url + "' is not an http(s) URL of a control plane");
            }
            return uri;
        } catch (IllegalArgumentException e) {
            throw CliException.usage("'" + url + "' is not a URL (" + e.getMessage() + ")");
        }
    }

    public URI base() {
        return base;
    }

    public JsonNode get(String path) {
        return send("GET", path, request(path).GET(), CALL);
    }

    public JsonNode post(String path, Object body) {
        return send("POST", path, json(request(path)).POST(body(body)), CALL);
    }

    public JsonNode patch(String path, Object body) {
        return send("PATCH", path, json(request(path)).method("PATCH", body(body)), CALL);
    }

    public JsonNode put(String path, Object body) {
        return send("PUT", path, json(request(path)).PUT(body(body)), CALL);
    }

    public JsonNode delete(String path) {
        return send("DELETE", path, request(path).DELETE(), CALL);
    }

    /** Uploads a file as the raw body of {@code POST /api/v1/artifacts}. */
    public JsonNode upload(Path file, String mediaType) {
        String path = "/api/v1/artifacts";
        try {
            return send(
                    "POST",
                    path,
                    request(path).header("Content-Type", mediaType).POST(HttpRequest.BodyPublishers.ofFile(file)),
                    UPLOAD);
        } catch (java.io.FileNotFoundException e) {
            throw CliException.usage("cannot read " + file + ": " + e.getMessage());
        }
    }

    /**
     * Opens a server-sent event stream and hands over its lines until the server ends it. A refusal
     * before the stream opens is an {@link ApiException}; a broken stream is an {@link IOException}.
     */
    public void stream(String path, String lastEventId, Consumer<String> lines) throws IOException {
        HttpRequest.Builder request = request(path).header("Accept", "text/event-stream");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        HttpResponse<InputStream> response;
        try {
            response = http.send(request.GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        if (response.statusCode() / 100 != 2) {
            String raw;
            try (InputStream in = response.body()) {
                raw = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            throw refusal("GET", path, response.statusCode(), contentType(response), raw);
        }
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                lines.accept(line);
            }
        }
    }

    /** A path segment (a name or id) made safe for the URL. */
    public static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** {@code path?k=v&...} with the non-null parameters, in the order given. */
    public static String query(String path, Object... keysAndValues) {
        Map<String, Object> params = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keysAndValues.length; i += 2) {
            if (keysAndValues[i + 1] != null) {
                params.put((String) keysAndValues[i], keysAndValues[i + 1]);
            }
        }
        if (params.isEmpty()) {
            return path;
        }
        return path + "?"
                + params.entrySet().stream()
                        .map(e -> e.getKey() + "="
                                + URLEncoder.encode(String.valueOf(e.getValue()), StandardCharsets.UTF_8))
                        .collect(Collectors.joining("&"));
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).header("Accept", "application/json");
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return b;
    }

    private static HttpRequest.Builder json(HttpRequest.Builder b) {
        return b.header("Content-Type", "application/json");
    }

    private static HttpRequest.BodyPublisher body(Object body) {
        return HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body), StandardCharsets.UTF_8);
    }

    private JsonNode send(String method, String path, HttpRequest.Builder request, Duration timeout) {
        HttpResponse<String> r;
        try {
            r = http.send(request.timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw CliException.error("cannot reach the control plane at " + base + " ("
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
        } catch (HttpTimeoutException e) {
            throw CliException.error("no answer from " + base + " to " + method + " " + path + " within " + timeout);
        } catch (IOException e) {
            throw CliException.error(method + " " + base.resolve(path) + " failed: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.error("interrupted");
        }
        if (r.statusCode() / 100 != 2) {
            throw refusal(method, path, r.statusCode(), contentType(r), r.body());
        }
        if (r.body().isBlank()) {
            return JSON.missingNode();
        }
        try {
            return JSON.readTree(r.body());
        } catch (JacksonException e) {
            throw CliException.error(
                    method + " " + path + ": the answer is not JSON (is " + base + " a Tide control plane?)");
        }
    }

    private static ApiException refusal(String method, String path, int status, String contentType, String raw) {
        JsonNode problem = null;
        if (contentType != null && contentType.contains("json")) {
            try {
                problem = JSON.readTree(raw);
            } catch (JacksonException e) {
                // not JSON after all: shown as text
            }
        }
        return ApiException.of(method, path, status, contentType, problem, raw);
    }

    private static String contentType(HttpResponse<?> r) {
        return r.headers().firstValue("Content-Type").orElse(null);
    }
}
