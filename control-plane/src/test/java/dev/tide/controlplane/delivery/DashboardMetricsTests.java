package dev.tide.controlplane.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.controlplane.IntegrationTest;
import dev.tide.controlplane.pki.ControlPlanePki;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.DesiredState;
import dev.tide.proto.agent.v1.EnrollRequest;
import dev.tide.proto.agent.v1.EnrollResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.grpc.server.lifecycle.GrpcServerLifecycle;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The Grafana dashboard (deploy/grafana/dashboards/tide.json) against a real scrape: once a push
 * and a pull deployment have run to SUCCEEDED, every metric a panel queries is in {@code
 * /actuator/prometheus}, with the label values its selectors name, and the delivery latency
 * histogram has counted every stage of both modes. A panel that queries a metric nobody records
 * (renamed, misspelt, never registered) fails here instead of showing "No data".
 */
class DashboardMetricsTests extends IntegrationTest {
    static final Path DASHBOARD = Path.of("..", "deploy", "grafana", "dashboards", "tide.json");
    private static final List<String> STAGES = List.of("delivered", "applied", "healthy");

    @Autowired
    GrpcServerLifecycle grpcServer;

    @Autowired
    ControlPlanePki pki;

    AgentChannels agents;
    FakePushAgent pushAgent;

    @BeforeEach
    void connect() throws Exception {
        agents = new AgentChannels(grpcServer.getPort(), pki);
        pushAgent = new FakePushAgent(pki);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        pushAgent.close();
        agents.close();
    }

    @Test
    void everyMetricTheDashboardQueriesIsScrapedAfterAPushAndAPullDeployment() throws Exception {
        String app = createApplication();
        createRelease(app, "1.0.0");
        Scrape before = scrape();

        String pushEnv = createEnvironment("PUSH");
        EnrollResponse pusher = agents.enroll(EnrollRequest.newBuilder()
                .setToken(enrollmentToken(pushEnv))
                .setName("pusher")
                .putLabels("port", "8080")
                .setPushEndpoint(pushAgent.endpoint()));
        pushAgent.enrolled(pusher.getNodeId(), agents.material(pusher));
        String pushed = deploy(pushEnv, app);

        String pullEnv = createEnvironment("PULL");
        EnrollResponse puller = agents.enroll(enrollmentToken(pullEnv), "puller");
        var watch = agents.watch(puller, 0, 30);
        String pulled = deploy(pullEnv, app);
        DesiredState state = watch.get(10, TimeUnit.SECONDS).getState();
        assertThat(agents.gateway(puller)
                        .getDesiredState(AgentChannels.request(puller, state.getGeneration(), 0))
                        .getUnchanged())
                .isTrue();
        agents.gateway(puller).reportStatus(FakePushAgent.healthy(puller.getNodeId(), state, DeliveryMode.PULL));

        awaitSucceeded(pushed);
        awaitSucceeded(pulled);
        Scrape after = scrape();

        List<String> exprs = dashboardExpressions();
        assertThat(exprs).as("queries in %s", DASHBOARD).hasSizeGreaterThan(10);
        Map<String, String> missing = new LinkedHashMap<>();
        for (String expr : exprs) {
            for (Selector s : selectors(expr)) {
                if (!after.has(s)) {
                    missing.put(s.toString(), expr);
                }
            }
        }
        assertThat(missing)
                .as("metrics the dashboard queries but the control plane does not expose")
                .isEmpty();
        for (String mode : List.of("push", "pull")) {
            for (String stage : STAGES) {
                Selector count =
                        new Selector("tide_delivery_latency_seconds_count", Map.of("mode", mode, "stage", stage));
                assertThat(after.value(count))
                        .as("targets counted for %s", count)
                        .isGreaterThan(before.value(count));
            }
        }
    }

    @Test
    void metricNamesAreReadFromPromqlWithoutFunctionsLabelsOrRanges() {
        assertThat(selectors("histogram_quantile(0.99, sum by (le, mode) (rate(tide_delivery_latency_seconds_bucket"
                        + "{stage=\"healthy\", mode!=\"unknown\"}[$__rate_interval])))"
                        + " / max without (instance) (process_cpu_usage) and on(job) up"))
                .extracting(Selector::toString)
                .containsExactly(
                        "tide_delivery_latency_seconds_bucket{stage=\"healthy\"}", "process_cpu_usage{}", "up{}");
    }

    // ---- the dashboard's queries ----

    /** A metric a query reads, with the label values it requires (equality matchers only). */
    record Selector(String name, Map<String, String> labels) {
        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(name).append('{');
            labels.forEach((k, v) -> s.append(s.charAt(s.length() - 1) == '{' ? "" : ",")
                    .append(k)
                    .append("=\"")
                    .append(v)
                    .append('"'));
            return s.append('}').toString();
        }
    }

    private static final Pattern SELECTOR =
            Pattern.compile("\\b([a-zA-Z_:][a-zA-Z0-9_:]*+)(?!\\s*\\()\\s*(\\{[^}]*})?");
    private static final Pattern MATCHER = Pattern.compile("(\\w+)\\s*(=~|!~|!=|=)\\s*\"([^\"]*)\"");
    /** Label lists of grouping and vector matching: label names, not metrics. */
    private static final Pattern GROUPING =
            Pattern.compile("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");

    private static final java.util.Set<String> KEYWORDS =
            java.util.Set.of("and", "or", "unless", "bool", "offset", "by", "without", "inf", "nan");

    /**
     * The metrics a PromQL expression reads: identifiers that are not called (functions and
     * aggregations), not keywords, and not in a grouping clause, range or string.
     */
    static List<Selector> selectors(String expr) {
        String e = GROUPING.matcher(expr).replaceAll(" ").replaceAll("\\[[^]]*]", " ");
        List<Selector> found = new ArrayList<>();
        Matcher m = SELECTOR.matcher(e);
        while (m.find()) {
            if (KEYWORDS.contains(m.group(1)) || m.group(1).startsWith("$")) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(2) != null) {
                Matcher l = MATCHER.matcher(m.group(2));
                while (l.find()) {
                    if (l.group(2).equals("=")) {
                        labels.put(l.group(1), l.group(3));
                    }
                }
            }
            found.add(new Selector(m.group(1), labels));
        }
        return found;
    }

    private static List<String> dashboardExpressions() throws Exception {
        assertThat(DASHBOARD).as("the dashboard, from the control-plane module").exists();
        JsonNode dashboard = JsonMapper.builder().build().readTree(Files.readString(DASHBOARD));
        List<String> exprs = new ArrayList<>();
        collect(dashboard, exprs);
        return exprs;
    }

    private static void collect(JsonNode node, List<String> exprs) {
        if (node.isObject()) {
            JsonNode expr = node.get("expr");
            if (expr != null && expr.isString()) {
                exprs.add(expr.asString());
            }
        }
        node.values().forEach(child -> collect(child, exprs));
    }

    // ---- the scrape ----

    /** The sample lines of one scrape, by metric name. */
    record Scrape(Map<String, List<String>> samples) {
        boolean has(Selector s) {
            return series(s).findAny().isPresent();
        }

        double value(Selector s) {
            return series(s)
                    .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                    .sum();
        }

        private java.util.stream.Stream<String> series(Selector s) {
            return samples.getOrDefault(s.name(), List.of()).stream()
                    .filter(line -> s.labels().entrySet().stream()
                            .allMatch(l -> line.contains(l.getKey() + "=\"" + l.getValue() + "\"")));
        }
    }

    private Scrape scrape() {
        String body = anonymous().get("/actuator/prometheus").expect(200).body();
        Map<String, List<String>> samples = new java.util.HashMap<>();
        body.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).forEach(line -> {
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            samples.computeIfAbsent(line.substring(0, end), k -> new ArrayList<>())
                    .add(line);
        });
        assertThat(new TreeSet<>(samples.keySet())).contains("jvm_memory_used_bytes");
        return new Scrape(samples);
    }

    // ---- the deployments ----

    private String enrollmentToken(String environment) {
        return as(admin())
                .post("/api/v1/environments/{env}/enrollment-tokens", Map.of(), environment)
                .expect(201)
                .text("/token");
    }

    private String deploy(String environment, String app) {
        return as(deployer())
                .post("/api/v1/deployments", deploymentBody(environment, Map.of(app, "1.0.0")))
                .expect(201)
                .text("/id");
    }

    private void awaitSucceeded(String deployment) {
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertThat(as(viewer())
                                .get("/api/v1/deployments/{id}", deployment)
                                .expect(200)
                                .text("/state"))
                        .isEqualTo("SUCCEEDED"));
    }
}
