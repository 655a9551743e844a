package dev.tide.bench;

import dev.tide.bench.support.Api;
import dev.tide.bench.support.ControlPlaneProcess;
import dev.tide.bench.support.Processes;
import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long the views people look at take with N nodes: the dashboard, the environment page and
 * its live node table, a deployment's page, and the REST node list, each asked {@code rounds}
 * times one after another after a warm-up, as a browser or script would. The nodes are written
 * straight into the control plane's database (enrolling 10,000 agents takes minutes and is not
 * what this measures): 90 % converged on release 1.0.0, 5 % with a FAILED application, 5 % not
 * heard from for an hour; then a deployment of 1.0.1 to all of them is created and left in flight
 * (nothing polls), which is the page an operator watches.
 *
 * <pre>java -cp bench/target/tide-bench-all.jar dev.tide.bench.ViewsAtScale [nodes=10000] [rounds=15]</pre>
 */
public final class ViewsAtScale {
    private static final String ENV = "views";
    private static final int HTTP_PORT = 28480;
    private static final int GRPC_PORT = 28490;

    private ViewsAtScale() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        Path dir = Files.createTempDirectory("tide-views");
        try (ControlPlaneProcess cp = new ControlPlaneProcess(dir, HTTP_PORT, GRPC_PORT)
                .withDefaultTimings()
                .start()) {
            Api admin = cp.admin();
            Tide tide = new Tide(admin.withToken("views-bench"));
            tide.environment(ENV, "watch", 50);
            tide.applications(2, 1024);
            seed(cp, n);
            String deployment = tide.deploy(ENV, Map.of("web", "1.0.1"), Duration.ofHours(1));
            HttpClient browser = login(cp);
            Map<String, String> views = new LinkedHashMap<>();
            views.put("dashboard", "/");
            views.put("environments", "/environments");
            views.put("environment page", "/environments/" + ENV);
            views.put("environment node table (polled)", "/environments/" + ENV + "/nodes");
            views.put("environment node table, not converged", "/environments/" + ENV + "/nodes?converged=false");
            views.put("deployment page", "/deployments/" + deployment);
            views.put("deployment progress (refetched per event)", "/deployments/" + deployment + "/progress");
            views.put("API nodes, first page", "/api/v1/nodes?environment=" + ENV);
            views.put("API nodes, FAILED", "/api/v1/nodes?environment=" + ENV + "&state=FAILED");
            views.put("API deployment", "/api/v1/deployments/" + deployment);
            String bearer = tokenHeader(admin);
            System.out.printf("%n%,d nodes, %d rounds after 5 warm-up requests each (ms):%n", n, rounds);
            System.out.printf("%-45s %8s %8s %8s %10s%n", "view", "median", "p90", "max", "bytes");
            for (Map.Entry<String, String> view : views.entrySet()) {
                boolean api = view.getValue().startsWith("/api/");
                HttpClient client = api ? HttpClient.newHttpClient() : browser;
                long[] ms = new long[rounds];
                int bytes = 0;
                for (int i = -5; i < rounds; i++) {
                    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(cp.base() + view.getValue()))
                            .timeout(Duration.ofMinutes(2));
                    if (api) {
                        request.header("Authorization", bearer);
                    }
                    long start = System.nanoTime();
                    HttpResponse<byte[]> r = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                    long took = (System.nanoTime() - start) / 1_000_000;
                    if (r.statusCode() != 200) {
                        System.out.printf("%-45s HTTP %d%n", view.getKey(), r.statusCode());
                        break;
                    }
                    bytes = r.body().length;
                    if (i >= 0) {
                        ms[i] = took;
                    }
                }
                Arrays.sort(ms);
                System.out.printf(
                        "%-45s %8d %8d %8d %10d%n",
                        view.getKey(),
                        ms[(rounds - 1) / 2],
                        ms[(int) Math.ceil(0.9 * rounds) - 1],
                        ms[rounds - 1],
                        bytes);
            }
            System.out.println("\ncontrol plane log: " + cp.log
                    + " (ERROR lines: "
                    + Processes.tail(cp.log, 100_000)
                            .lines()
                            .filter(l -> l.contains(" ERROR "))
                            .count()
                    + ")");
        }
    }

    /** A bearer token for the API: a password would cost bcrypt on every request. */
    private static String tokenHeader(Api admin) {
        return "Bearer "
                + admin.post("/api/v1/tokens", Map.of("name", "views-bench-reader"))
                        .expect(201)
                        .body()
                        .get("token")
                        .asString();
    }

    /** Nodes, their desired and reported state, written as enrolment and status reports would. */
    private static void seed(ControlPlaneProcess cp, int n) throws IOException, SQLException {
        int port = Integer.parseInt(Files.readAllLines(cp.databaseDir().resolve("postmaster.pid"))
                .get(3)
                .trim());
        try (Connection db = DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
                Statement sql = db.createStatement()) {
            sql.execute("""
                    insert into node (id, name, environment, labels, acked_mode, agent_version, generation,
                                      applied_generation, enrolled_at, last_seen_at)
                    select gen_random_uuid(), 'node-' || lpad(i::text, 5, '0'), '%s',
                           jsonb_build_object('rack', 'r' || (i %% 40)), 'PULL', 'bench', 1, 1, now(),
                           case when i %% 20 = 0 then now() - interval '1 hour' else now() end
                    from generate_series(1, %d) i
                    """.formatted(ENV, n));
            for (String app : List.of("db", "web")) {
                sql.execute("""
                        insert into node_desired (node, application, release_id, generation, updated_at)
                        select n.id, '%1$s', r.id, 1, now() from node n
                        join release r on r.application = '%1$s' and r.version = '1.0.0'
                        where n.environment = '%2$s'
                        """.formatted(app, ENV));
                sql.execute("""
                        insert into node_actual (node, application, release_id, release_version, state, message,
                                                 applied_generation, reported_at)
                        select n.id, '%1$s', r.id, '1.0.0',
                               case when '%1$s' = 'web' and substr(n.name, 6)::int %% 20 = 7 then 'FAILED'
                                    else 'HEALTHY' end,
                               '', 1, now() from node n
                        join release r on r.application = '%1$s' and r.version = '1.0.0'
                        where n.environment = '%2$s'
                        """.formatted(app, ENV));
            }
            sql.execute("analyze");
        }
    }

    /** A console session, logged in through the form as a browser is. */
    private static HttpClient login(ControlPlaneProcess cp) throws IOException, InterruptedException {
        HttpClient browser = HttpClient.newBuilder()
                .cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
        String page = browser.send(
                        HttpRequest.newBuilder(URI.create(cp.base() + "/login")).build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Matcher csrf = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"").matcher(page);
        if (!csrf.find()) {
            throw new IllegalStateException("no CSRF token on the login page");
        }
        List<String> form = new ArrayList<>();
        for (Map.Entry<String, String> field : Map.of(
                        "username", "admin", "password", ControlPlaneProcess.ADMIN_PASSWORD, "_csrf", csrf.group(1))
                .entrySet()) {
            form.add(field.getKey() + "=" + URLEncoder.encode(field.getValue(), StandardCharsets.UTF_8));
        }
        HttpResponse<String> r = browser.send(
                HttpRequest.newBuilder(URI.create(cp.base() + "/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(String.join("&", form)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        String location = r.headers().firstValue("Location").orElse("");
        if (r.statusCode() != 302 || location.contains("error")) {
            throw new IllegalStateException("console login failed: " + r.statusCode() + " " + location);
        }
        return browser;
    }
}
