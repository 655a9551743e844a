package dev.tide.e2e;

import dev.tide.bench.support.Api;
import dev.tide.bench.support.ControlPlaneProcess;
import dev.tide.bench.support.NodeClients;
import dev.tide.proto.agent.v1.AgentGatewayGrpc;
import dev.tide.proto.agent.v1.GetDesiredStateRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one "unchanged" pull costs the control plane: CPU microseconds and bytes allocated per
 * GetDesiredState, read from the control plane's own counters (process CPU time, allocated
 * bytes) before and after a burst of polls from many enrolled nodes. Runs the real jar.
 *
 * <p>Run: {@code ./mvnw -q -pl e2e -am -DskipTests install && ./mvnw -q -pl e2e exec:java
 * -Dexec.mainClass=dev.tide.e2e.PollCostBench -Dexec.classpathScope=test -Dexec.args="200 20000 5"}
 * (nodes, polls per round, rounds).
 */
public final class PollCostBench {
    public static void main(String[] args) {
        BenchMain.run(args, PollCostBench::run);
    }

    private static void run(String[] args) throws Exception {
        int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int polls = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        Path dir = Files.createTempDirectory("tide-pollbench");
        try (ControlPlaneProcess cp = new ControlPlaneProcess(dir).start()) {
            Api api = cp.admin();
            api.post("/api/v1/environments", Map.of("name", "bench", "mode", "PULL"))
                    .expect(201);
            List<AgentGatewayGrpc.AgentGatewayBlockingStub> stubs = new ArrayList<>();
            List<String> ids = new ArrayList<>();
            List<NodeClients.NodeClient> clients = new ArrayList<>();
            for (int i = 0; i < nodes; i++) {
                String token = api.post("/api/v1/environments/bench/enrollment-tokens", Map.of())
                        .expect(201)
                        .body()
                        .get("token")
                        .asString();
                NodeClients.NodeClient client = NodeClients.enroll(cp.grpcTarget(), token, "n" + i);
                clients.add(client);
                stubs.add(AgentGatewayGrpc.newBlockingStub(client.channel()));
                ids.add(client.nodeId());
            }
            long[] known = new long[nodes];
            for (int i = 0; i < nodes; i++) { // first poll loads the cache and learns the generation
                known[i] = stubs.get(i)
                        .getDesiredState(GetDesiredStateRequest.newBuilder()
                                .setNodeId(ids.get(i))
                                .build())
                        .getState()
                        .getGeneration();
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            warm(pool, stubs, ids, known, polls / 2);
            double[] cpuMicros = new double[rounds];
            double[] allocBytes = new double[rounds];
            double[] throughput = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                Map<String, Double> before = metrics(cp.base());
                long start = System.nanoTime();
                warm(pool, stubs, ids, known, polls);
                double seconds = (System.nanoTime() - start) / 1e9;
                Map<String, Double> after = metrics(cp.base());
                cpuMicros[r] = (after.get("cpu") - before.get("cpu")) / polls * 1e6;
                allocBytes[r] = (after.get("alloc") - before.get("alloc")) / polls;
                throughput[r] = polls / seconds;
                System.out.printf(
                        "round %d: %.1f us CPU/poll, %.0f bytes allocated/poll, %.0f polls/s%n",
                        r + 1, cpuMicros[r], allocBytes[r], throughput[r]);
            }
            System.out.printf(
                    "median over %d rounds (%d nodes, %d polls each): %.1f us CPU per poll, %.0f bytes allocated per poll, %.0f polls/s%n",
                    rounds, nodes, polls, median(cpuMicros), median(allocBytes), median(throughput));
            pool.shutdownNow();
            clients.forEach(NodeClients.NodeClient::close);
        }
    }

    private static void warm(
            ExecutorService pool,
            List<AgentGatewayGrpc.AgentGatewayBlockingStub> stubs,
            List<String> ids,
            long[] known,
            int polls)
            throws Exception {
        List<Future<?>> futures = new ArrayList<>();
        int threads = 8;
        for (int t = 0; t < threads; t++) {
            int offset = t;
            futures.add(pool.submit(() -> {
                for (int i = offset; i < polls; i += threads) {
                    int n = i % stubs.size();
                    stubs.get(n)
                            .withDeadlineAfter(10, TimeUnit.SECONDS)
                            .getDesiredState(GetDesiredStateRequest.newBuilder()
                                    .setNodeId(ids.get(n))
                                    .setKnownGeneration(known[n])
                                    .build());
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
    }

    /** Process CPU seconds and bytes allocated, from /actuator/prometheus. */
    private static Map<String, Double> metrics(String base) throws Exception {
        String text = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(base + "/actuator/prometheus"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        return Map.of(
                "cpu",
                value(text, "process_cpu_time_ns_total") / 1e9,
                "alloc",
                value(text, "jvm_gc_memory_allocated_bytes_total"));
    }

    private static double value(String text, String metric) {
        Matcher m = Pattern.compile("(?m)^" + metric + "(\\{[^}]*})? ([0-9.Ee+-]+)$")
                .matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("metric " + metric + " not exported");
        }
        return Double.parseDouble(m.group(2));
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
