package dev.tide.e2e;

import dev.tide.bench.support.Api;
import dev.tide.bench.support.ControlPlaneProcess;
import dev.tide.bench.support.NodeClients;
import dev.tide.proto.agent.v1.AgentGatewayGrpc;
import dev.tide.proto.agent.v1.AppState;
import dev.tide.proto.agent.v1.AppStatus;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.Event;
import dev.tide.proto.agent.v1.EventType;
import dev.tide.proto.agent.v1.ReportStatusResponse;
import dev.tide.proto.agent.v1.StatusReport;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;

/**
 * How many agent status reports a second the control plane stores: {@code nodes} enrolled
 * nodes, each with its own mutual-TLS connection, report over {@code ReportStatus} the way an
 * agent does, one report in flight per node (an agent sends its next report once the last is
 * acknowledged, and the acknowledgement means committed). Each report carries the node's applied
 * generation, one application's status and one event. The control plane runs the real jar on its
 * embedded PostgreSQL with the default timings (status batches gathered for 100 ms).
 *
 * <p>Reports/s is reports acknowledged over the wall time of a round; CPU is the control plane's
 * own (its process CPU counter). Each round also prints how busy the machine's cores were and how
 * much of that this bench's own clients took: the clients, the control plane and PostgreSQL share
 * the machine, as the swarm does in {@code ./tide bench}. A report turned away (a full queue: {@code RESOURCE_EXHAUSTED}
 * with a pushback) is sent again after the pushback, as an agent does, and counted. After the last
 * round every node's applied generation and application version, read back over the REST API,
 * must be the last ones it reported: a lost report fails the run.
 *
 * <p>Run: {@code ./mvnw -q -o install -DskipTests && ./mvnw -q -o -pl e2e test-compile exec:java
 * -Dexec.mainClass=dev.tide.e2e.StatusIngestBench -Dexec.classpathScope=test -Dexec.args="2000 10
 * 5"} (nodes, reports per node per round, rounds).
 */
public final class StatusIngestBench {
    private static final String ENV = "ingest";
    private static final String APP = "web";
    /** gRFC A6's retry pushback, which the control plane sends with RESOURCE_EXHAUSTED. */
    private static final Metadata.Key<String> PUSHBACK =
            Metadata.Key.of("grpc-retry-pushback-ms", Metadata.ASCII_STRING_MARSHALLER);

    public static void main(String[] args) {
        BenchMain.run(args, StatusIngestBench::run);
    }

    private static void run(String[] args) throws Exception {
        int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int perNode = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path dir = Files.createTempDirectory("tide-ingestbench");
        try (ControlPlaneProcess cp = new ControlPlaneProcess(dir)
                .withDefaultTimings()
                .jvmOptions(ControlPlaneProcess.benchJvmOptions("512m"))
                .start()) {
            Api api = cp.admin();
            api.post("/api/v1/environments", Map.of("name", ENV, "mode", "PULL"))
                    .expect(201);
            String token = api.post(
                            "/api/v1/environments/" + ENV + "/enrollment-tokens",
                            Map.of("maxUses", nodes, "description", "ingest bench"))
                    .expect(201)
                    .body()
                    .get("token")
                    .asString();
            List<NodeClients.NodeClient> clients = enroll(cp.grpcTarget(), token, nodes);
            System.out.printf("%d nodes enrolled%n", nodes);
            ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor();
            long[] sent = new long[nodes]; // the generation of each node's last report
            AtomicLong shed = new AtomicLong();
            round(clients, sent, Math.max(1, perNode / 2), shed, retries); // warm-up: JIT, caches, connections
            double[] perSecond = new double[rounds];
            double[] cpuMicros = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                Map<String, Double> before = api.metrics();
                long[] machine0 = machineJiffies();
                java.time.Duration own0 = ownCpu();
                long start = System.nanoTime();
                long reports = round(clients, sent, perNode, shed, retries);
                double seconds = (System.nanoTime() - start) / 1e9;
                long[] machine1 = machineJiffies();
                double ownSeconds = ownCpu().minus(own0).toNanos() / 1e9;
                Map<String, Double> after = api.metrics();
                double busy = (double) (machine1[0] - machine0[0]) / Math.max(1, machine1[1] - machine0[1]);
                double cpu = (delta(before, after, "process_cpu_time_ns_total")) / 1e9;
                double flushes = delta(before, after, "tide_status_flush_seconds_count");
                double flushSeconds = delta(before, after, "tide_status_flush_seconds_sum");
                perSecond[r] = reports / seconds;
                cpuMicros[r] = cpu / reports * 1e6;
                System.out.printf(
                        "round %d: %,d reports in %.2f s: %,.0f reports/s, %.0f us of control-plane CPU each;"
                                + " %.0f batches of %.0f reports on average, each written in %.0f ms;"
                                + " the machine's cores %.0f %% busy, %.1f s of them this bench's clients%n",
                        r + 1,
                        reports,
                        seconds,
                        perSecond[r],
                        cpuMicros[r],
                        flushes,
                        reports / Math.max(1, flushes),
                        flushSeconds / Math.max(1, flushes) * 1000,
                        busy * 100,
                        ownSeconds);
            }
            int checked = verify(api, clients, sent);
            System.out.printf(
                    "median over %d rounds (%,d nodes, %d reports each a round): %,.0f reports/s, %.0f us CPU per report;"
                            + " %,d reports turned away and sent again; all %,d nodes show their last report%n",
                    rounds,
                    nodes,
                    perNode,
                    PollCostBench.median(perSecond),
                    PollCostBench.median(cpuMicros),
                    shed.get(),
                    checked);
            retries.shutdownNow();
            clients.forEach(NodeClients.NodeClient::close);
        }
    }

    /** Enrolls the nodes on four threads (each enrolment makes a key and a CSR here). */
    private static List<NodeClients.NodeClient> enroll(String target, String token, int nodes) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<NodeClients.NodeClient>> futures = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                String name = "ingest-" + i;
                futures.add(pool.submit(() -> NodeClients.enroll(target, token, name)));
            }
            List<NodeClients.NodeClient> clients = new ArrayList<>();
            for (Future<NodeClients.NodeClient> f : futures) {
                clients.add(f.get());
            }
            return clients;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Every node sends {@code perNode} reports, one in flight at a time; returns how many were stored. */
    private static long round(
            List<NodeClients.NodeClient> clients,
            long[] sent,
            int perNode,
            AtomicLong shed,
            ScheduledExecutorService retries)
            throws InterruptedException {
        CountDownLatch done = new CountDownLatch(clients.size());
        AtomicLong stored = new AtomicLong();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < clients.size(); i++) {
            new Reporter(clients.get(i), i, sent, perNode, stored, shed, failures, done, retries).next();
        }
        if (!done.await(10, TimeUnit.MINUTES)) {
            throw new IllegalStateException("reports still unanswered after 10 minutes");
        }
        if (!failures.isEmpty()) {
            throw new IllegalStateException(
                    failures.size() + " report(s) failed; the first: " + failures.get(0), failures.get(0));
        }
        return stored.get();
    }

    /** One node's reports of a round, each sent when the previous one is acknowledged. */
    private static final class Reporter implements StreamObserver<ReportStatusResponse> {
        private final NodeClients.NodeClient client;
        private final AgentGatewayGrpc.AgentGatewayStub stub;
        private final int index;
        private final long[] sent;
        private final AtomicInteger left;
        private final AtomicLong stored;
        private final AtomicLong shed;
        private final List<Throwable> failures;
        private final CountDownLatch done;
        private final ScheduledExecutorService retries;
        private StatusReport current;

        Reporter(
                NodeClients.NodeClient client,
                int index,
                long[] sent,
                int perNode,
                AtomicLong stored,
                AtomicLong shed,
                List<Throwable> failures,
                CountDownLatch done,
                ScheduledExecutorService retries) {
            this.client = client;
            this.stub = AgentGatewayGrpc.newStub(client.channel());
            this.index = index;
            this.sent = sent;
            this.left = new AtomicInteger(perNode);
            this.stored = stored;
            this.shed = shed;
            this.failures = failures;
            this.done = done;
            this.retries = retries;
        }

        void next() {
            if (left.getAndDecrement() <= 0) {
                done.countDown();
                return;
            }
            long generation = sent[index] + 1;
            String version = "1.0." + generation;
            current = StatusReport.newBuilder()
                    .setNodeId(client.nodeId())
                    .setAppliedGeneration(generation)
                    .addApplications(AppStatus.newBuilder()
                            .setApplication(APP)
                            .setVersion(version)
                            .setState(AppState.HEALTHY)
                            .setRunningVersion(version))
                    .addEvents(Event.newBuilder()
                            .setGeneration(generation)
                            .setApplication(APP)
                            .setVersion(version)
                            .setType(EventType.BECAME_HEALTHY)
                            .setAt(com.google.protobuf.Timestamp.newBuilder()
                                    .setSeconds(System.currentTimeMillis() / 1000)))
                    .setMode(DeliveryMode.PULL)
                    .setAgentVersion("ingest-bench")
                    .build();
            send();
        }

        private void send() {
            stub.withDeadlineAfter(60, TimeUnit.SECONDS).reportStatus(current, this);
        }

        @Override
        public void onNext(ReportStatusResponse value) {}

        @Override
        public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            Metadata trailers = Status.trailersFromThrowable(t);
            String pushback = trailers == null ? null : trailers.get(PUSHBACK);
            if (status.getCode() == Status.Code.RESOURCE_EXHAUSTED && pushback != null) {
                shed.incrementAndGet();
                retries.schedule(this::send, Long.parseLong(pushback), TimeUnit.MILLISECONDS);
                return;
            }
            failures.add(t);
            done.countDown();
        }

        @Override
        public void onCompleted() {
            sent[index] = current.getAppliedGeneration();
            stored.incrementAndGet();
            next();
        }
    }

    /** Reads every node back; throws unless each shows the last report it sent. Returns the count. */
    private static int verify(Api api, List<NodeClients.NodeClient> clients, long[] sent) {
        Map<String, Long> expected = new java.util.HashMap<>();
        for (int i = 0; i < clients.size(); i++) {
            expected.put(clients.get(i).nodeId(), sent[i]);
        }
        int checked = 0;
        for (int page = 0; ; page++) {
            JsonNode body = api.get("/api/v1/nodes?environment=" + ENV + "&size=1000&page=" + page)
                    .expect(200)
                    .body();
            for (JsonNode node : body.get("items")) {
                long want = expected.get(node.get("id").asString());
                long applied = node.get("appliedGeneration").asLong();
                String version = null;
                for (JsonNode app : node.get("applications")) {
                    if (APP.equals(app.get("application").asString()) && app.hasNonNull("actual")) {
                        version = app.get("actual").get("version").asString();
                    }
                }
                if (applied != want || !("1.0." + want).equals(version)) {
                    throw new IllegalStateException(String.format(
                            "node %s shows generation %d and version %s, but its last report was generation %d",
                            node.get("name").asString(), applied, version, want));
                }
                checked++;
            }
            if (page + 1 >= body.get("totalPages").asInt()) {
                break;
            }
        }
        if (checked != clients.size()) {
            throw new IllegalStateException(checked + " nodes listed, " + clients.size() + " enrolled");
        }
        return checked;
    }

    /** Busy and total jiffies of all cores, from the first line of /proc/stat. */
    private static long[] machineJiffies() throws java.io.IOException {
        String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        long total = 0;
        for (int i = 1; i < f.length; i++) {
            total += Long.parseLong(f[i]);
        }
        long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]); // idle and iowait
        return new long[] {total - idle, total};
    }

    /** CPU this JVM (the simulated agents' side) has used. */
    private static java.time.Duration ownCpu() {
        return ProcessHandle.current().info().totalCpuDuration().orElse(java.time.Duration.ZERO);
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String metric) {
        if (!after.containsKey(metric)) {
            throw new IllegalStateException("metric " + metric + " not exported");
        }
        return after.get(metric) - before.getOrDefault(metric, 0.0);
    }
}
