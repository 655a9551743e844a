package dev.tide.controlplane.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.tide.controlplane.delivery.TwoReplicas;
import dev.tide.controlplane.delivery.TwoReplicas.Replica;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The console and password sign-ins behind a load balancer without sticky sessions: two replicas
 * (two application contexts) on one PostgreSQL, and one browser whose requests land on either. A
 * session made on one replica is served by the other, forms included; signing out on one ends it
 * on both; wrong passwords are counted once whichever replica they reach; the API stays stateless.
 */
class ReplicaSignInTests {
    private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    static Path dir;

    static TwoReplicas replicas;
    static Replica a;
    static Replica b;

    @BeforeAll
    static void start() throws IOException {
        replicas = new TwoReplicas(dir);
        a = replicas.start("a");
        b = replicas.start("b");
    }

    @AfterAll
    static void stop() throws IOException {
        if (replicas != null) {
            replicas.close();
        }
    }

    @Test
    void aSessionSignedInOnAServesPagesAndFormsOnBAndSigningOutOnBEndsItOnA() {
        String user = user(Role.VIEWER);
        Browser browser = new Browser();

        HttpResponse<String> signedIn = browser.signIn(a, user);

        String cookie = signedIn.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie)
                .as("the session cookie, over plain HTTP")
                .startsWith("SESSION=")
                .contains("HttpOnly", "SameSite=Lax", "Path=/")
                .doesNotContain("Secure");
        assertThat(count("select count(*) from spring_session where principal_name = ?", user))
                .isOne();
        assertThat(browser.send(b, "GET", "/", null).body())
                .as("a page of B, with the session A made")
                .contains(user, "Sign out");

        String tokens = browser.send(b, "GET", "/tokens", null).body();
        HttpResponse<String> created = browser.send(b, "POST", "/tokens", form("name", "ci", "_csrf", csrf(tokens)));
        assertThat(created.statusCode())
                .as("a form posted to B with the token of a page of B")
                .isEqualTo(200);
        Matcher secret = Pattern.compile("tide_api_[A-Za-z0-9_-]+").matcher(created.body());
        assertThat(secret.find()).as("the new token, in the answer to the form").isTrue();
        assertThat(count(
                        "select count(*) from spring_session_attributes where position(?::bytea in attribute_bytes) > 0",
                        secret.group()))
                .as("session attributes holding the new token's secret")
                .isZero();
        assertThat(browser.send(a, "GET", "/tokens", null).body()).doesNotContain(secret.group());
        assertThat(api(b, "GET", "/api/v1/environments", "Bearer " + secret.group())
                        .statusCode())
                .isEqualTo(200);
        Matcher delete = Pattern.compile("action=\"(/tokens/[0-9a-f-]{36}/delete)\"")
                .matcher(browser.send(a, "GET", "/tokens", null).body());
        assertThat(delete.find()).as("the token's delete form on A").isTrue();
        HttpResponse<String> deleted = browser.send(
                a,
                "POST",
                delete.group(1),
                form("_csrf", csrf(browser.send(a, "GET", "/tokens", null).body())));
        assertThat(deleted.statusCode()).as("a form posted to A").isEqualTo(302);
        assertThat(browser.send(b, "GET", "/tokens", null).body())
                .as("the message of A's redirect, shown by B (the flash is in the session)")
                .contains("Deleted the token");
        assertThat(browser.send(a, "POST", "/tokens", form("name", "no-csrf")).statusCode())
                .as("a form without its CSRF token is still refused")
                .isEqualTo(403);

        Browser kept = browser.copy();
        HttpResponse<String> signedOut = browser.send(
                b,
                "POST",
                "/logout",
                form("_csrf", csrf(browser.send(b, "GET", "/", null).body())));

        assertThat(signedOut.headers().firstValue("Location"))
                .hasValueSatisfying(l -> assertThat(l).endsWith("/login?logout"));
        HttpResponse<String> afterwards = kept.send(a, "GET", "/", null);
        assertThat(afterwards.statusCode()).as("the old cookie on A").isEqualTo(302);
        assertThat(afterwards.headers().firstValue("Location"))
                .hasValueSatisfying(l -> assertThat(l).endsWith("/login"));
        assertThat(count("select count(*) from spring_session where principal_name = ?", user))
                .isZero();
    }

    @Test
    void apiCallsWithTokensOrPasswordsLeaveNoSessionOnEitherReplica() {
        String user = user(Role.VIEWER);
        String token =
                a.post("/api/v1/tokens", Map.of("name", "script")).path("token").asString();
        long before = count("select count(*) from spring_session");

        List<HttpResponse<String>> answers = new ArrayList<>();
        for (Replica replica : List.of(a, b)) {
            answers.add(api(replica, "GET", "/api/v1/environments", basic(user, user + "-password")));
            answers.add(api(replica, "GET", "/api/v1/environments", "Bearer " + token));
            answers.add(api(replica, "POST", "/api/v1/environments", basic(user, user + "-password")));
            answers.add(api(replica, "GET", "/api/v1/environments", null));
            answers.add(api(replica, "GET", "/api/v1/environments", "Bearer tide_api_not-a-token"));
            answers.add(api(replica, "GET", "/actuator/health", null));
        }

        assertThat(answers)
                .extracting(HttpResponse::statusCode)
                .containsExactly(200, 200, 403, 401, 401, 200, 200, 200, 403, 401, 401, 200);
        assertThat(answers)
                .as("no session cookie")
                .allSatisfy(r -> assertThat(r.headers().allValues("Set-Cookie")).isEmpty());
        assertThat(count("select count(*) from spring_session")).isEqualTo(before);
    }

    @Test
    void wrongPasswordsSpreadOverBothReplicasAreCountedOnce() {
        String user = user(Role.VIEWER);
        int limit = a.bean(LoginProperties.class).maxFailures();
        for (int i = 0; i < limit; i++) {
            Replica replica = i % 2 == 0 ? a : b;
            assertThat(api(replica, "GET", "/api/v1/environments", basic(user, "wrong-" + i))
                            .statusCode())
                    .isEqualTo(401);
        }

        for (Replica replica : List.of(a, b)) {
            HttpResponse<String> refused = api(replica, "GET", "/api/v1/environments", basic(user, user + "-password"));
            assertThat(refused.statusCode())
                    .as("the right password on %s", replica.id())
                    .isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        }
        HttpResponse<String> form = new Browser().signIn(b, user);
        assertThat(form.headers().firstValue("Location"))
                .hasValueSatisfying(l -> assertThat(l).matches(".*/login\\?throttled=[0-9]+"));
        assertThat(count(
                        "select count(*) from audit_event where action = 'login.throttle' and subject = ?",
                        "user/" + user))
                .as("one lock, audited once")
                .isOne();
    }

    @Test
    void cleaningSkipsRowsAnotherReplicaHoldsInsteadOfWaiting() throws Exception {
        long now = System.currentTimeMillis();
        String held = session(now - 60_000);
        String expired = session(now - 60_000);
        String live = session(now + 600_000);
        String forgotten = "user/" + UUID.randomUUID();
        jdbc().update(
                        "insert into login_throttle (key, failures, window_start, locked_until, lockouts, forget_at)"
                                + " values (?, 1, now() - interval '1 hour', '-infinity', 0, now() - interval '1 second')",
                        forgotten);
        DataSource database = a.bean(DataSource.class);

        try (Connection other = database.getConnection()) {
            other.setAutoCommit(false);
            other.createStatement()
                    .execute("select 1 from spring_session where primary_id = '" + held + "' for update");

            assertTimeoutPreemptively(
                    Duration.ofSeconds(10), () -> b.bean(SignInCleanup.class).run());

            assertThat(sessions(held, expired, live)).containsExactly(held, live);
            assertThat(count("select count(*) from spring_session_attributes where session_primary_id = ?", expired))
                    .isZero();
            assertThat(count("select count(*) from login_throttle where key = ?", forgotten))
                    .isZero();
            other.rollback();
        }
        a.bean(SignInCleanup.class).run();
        assertThat(sessions(held, expired, live)).containsExactly(live);
    }

    /** A session row with one attribute, expiring at {@code expiry} (epoch ms); answers its primary id. */
    private static String session(long expiry) {
        String id = UUID.randomUUID().toString();
        jdbc().update(
                        "insert into spring_session (primary_id, session_id, creation_time, last_access_time,"
                                + " max_inactive_interval, expiry_time) values (?, ?, ?, ?, 1800, ?)",
                        id,
                        UUID.randomUUID().toString(),
                        expiry - 1_800_000,
                        expiry - 1_800_000,
                        expiry);
        jdbc().update(
                        "insert into spring_session_attributes (session_primary_id, attribute_name, attribute_bytes)"
                                + " values (?, 'note', '\\x00'::bytea)",
                        id);
        return id;
    }

    private static List<String> sessions(String... ids) {
        List<String> left = new ArrayList<>();
        for (String id : ids) {
            if (count("select count(*) from spring_session where primary_id = ?", id) > 0) {
                left.add(id);
            }
        }
        return left;
    }

    private static String user(Role role) {
        String name = "replica-" + UUID.randomUUID().toString().substring(0, 8);
        a.post("/api/v1/users", Map.of("name", name, "password", name + "-password", "role", role.name()));
        return name;
    }

    private static JdbcTemplate jdbc() {
        return replicas.jdbc();
    }

    private static long count(String sql, Object... args) {
        return jdbc().queryForObject(sql, Long.class, args);
    }

    private static String csrf(String page) {
        Matcher m = CSRF.matcher(page);
        assertThat(m.find()).as("a CSRF token on the page").isTrue();
        return m.group(1);
    }

    private static Map<String, String> form(String... nameAndValue) {
        Map<String, String> form = new LinkedHashMap<>();
        for (int i = 0; i < nameAndValue.length; i += 2) {
            form.put(nameAndValue[i], nameAndValue[i + 1]);
        }
        return form;
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static HttpResponse<String> api(Replica replica, String method, String path, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(replica.uri(path))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .method(
                        method,
                        method.equals("GET")
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString("{}"));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return send(request.build());
    }

    private static HttpResponse<String> send(HttpRequest request) {
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A browser as a load balancer without sticky sessions sees it: one session cookie, sent with
     * every request to whichever replica the test names, and replaced when a replica sets a new one.
     */
    private static final class Browser {
        private String session;

        /** Another browser holding the same cookie, kept as it is now. */
        Browser copy() {
            Browser copy = new Browser();
            copy.session = session;
            return copy;
        }

        HttpResponse<String> signIn(Replica replica, String user) {
            String login = send(replica, "GET", "/login", null).body();
            return send(
                    replica,
                    "POST",
                    "/login",
                    form("username", user, "password", user + "-password", "_csrf", csrf(login)));
        }

        HttpResponse<String> send(Replica replica, String method, String path, Map<String, String> form) {
            HttpRequest.Builder request =
                    HttpRequest.newBuilder(replica.uri(path)).timeout(Duration.ofSeconds(30));
            if (session != null) {
                request.header("Cookie", session);
            }
            if (form == null) {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            } else {
                List<String> fields = new ArrayList<>();
                form.forEach(
                        (name, value) -> fields.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8)));
                request.header("Content-Type", "application/x-www-form-urlencoded")
                        .method(method, HttpRequest.BodyPublishers.ofString(String.join("&", fields)));
            }
            HttpResponse<String> response = ReplicaSignInTests.send(request.build());
            response.headers().allValues("Set-Cookie").stream()
                    .filter(c -> c.startsWith("SESSION="))
                    .findFirst()
                    .ifPresent(c -> session = c.substring(0, c.indexOf(';')));
            return response;
        }
    }
}
