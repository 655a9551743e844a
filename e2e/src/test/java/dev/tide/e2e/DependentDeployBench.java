package dev.tide.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import tools.jackson.databind.JsonNode;

/**
 * What ordering costs in each mode: a two-application deploy ({@code web} depends on {@code
 * db}) to N real agents, each running both applications. Tide releases {@code web} only once
 * {@code db} is healthy on every node; in push the control plane sends it at once, with pull it
 * waits for each agent's next watch answer or poll. Reported per mode, as medians over the
 * rounds, from the deployments' own timestamps:
 *
 * <ul>
 *   <li><b>total</b>: deployment created → {@code web} healthy on the last node;
 *   <li><b>db stage</b>: created → {@code db} healthy on the last node;
 *   <li><b>gate</b>: {@code db} healthy on the last node → {@code web} delivered to the last
 *       node (the time the dependency gate costs: the decision plus the delivery).
 * </ul>
 *
 * <p>Run (after {@code ./mvnw -q install -DskipTests}): {@code ./mvnw -q -pl e2e exec:java
 * -Dexec.mainClass=dev.tide.e2e.DependentDeployBench -Dexec.classpathScope=test
 * -Dexec.args="20 5 push,watch,interval10"} (agents per mode, rounds, modes).
 */
public final class DependentDeployBench {
    record Round(long totalMillis, long dbStageMillis, long gateMillis) {}

    public static void main(String[] args) {
        BenchMain.run(args, DependentDeployBench::run);
    }

    private static void run(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<String> modes = List.of((args.length > 2 ? args[2] : "push,watch,interval10").split(","));
        Path dir = Files.createTempDirectory("tide-dependentbench");
        try (Fleet fleet = new Fleet(dir)) {
            fleet.application("db", List.of());
            fleet.application("web", List.of("db"));
            for (int r = 0; r <= rounds; r++) {
                fleet.compiledRelease("db", "1." + r + ".0", "port", List.of());
                fleet.compiledRelease("web", "1." + r + ".0", "port2", List.of());
            }
            Map<String, Object> strategy = Map.of("targetTimeoutSeconds", Math.max(300, 10 * agents));
            List<String> lines = new ArrayList<>();
            for (String mode : modes) {
                String env = "dep-" + mode;
                fleet.environmentForMode(env, mode);
                fleet.agents(env, mode, agents);
                fleet.awaitDeployment(deploy(fleet, env, "1.0.0", strategy), "SUCCEEDED", Duration.ofMinutes(15));
                List<Round> measured = new ArrayList<>();
                for (int r = 1; r <= rounds; r++) {
                    JsonNode d = fleet.awaitDeployment(
                            deploy(fleet, env, "1." + r + ".0", strategy), "SUCCEEDED", Duration.ofMinutes(15));
                    Round round = measure(d);
                    measured.add(round);
                    System.out.printf(
                            "%-10s round %d: total %d ms, db stage %d ms, gate %d ms%n",
                            mode, r, round.totalMillis(), round.dbStageMillis(), round.gateMillis());
                }
                lines.add(String.format(
                        "%-10s %3d agents, median of %d: total %6d ms | db stage %6d ms | gate (db healthy everywhere"
                                + " -> web delivered everywhere) %6d ms",
                        mode,
                        agents,
                        rounds,
                        ConvergeBench.median(
                                measured.stream().map(Round::totalMillis).toList()),
                        ConvergeBench.median(
                                measured.stream().map(Round::dbStageMillis).toList()),
                        ConvergeBench.median(
                                measured.stream().map(Round::gateMillis).toList())));
                fleet.stopAgents();
            }
            System.out.println();
            lines.forEach(System.out::println);
        }
    }

    private static String deploy(Fleet fleet, String env, String version, Map<String, Object> strategy) {
        return fleet.deploy(
                env,
                List.of(
                        Map.of("application", "db", "version", version),
                        Map.of("application", "web", "version", version)),
                strategy);
    }

    static Round measure(JsonNode d) {
        Instant created = Instant.parse(d.get("createdAt").asString());
        Instant dbDone = last(d, "db", "healthyAt");
        Instant webDelivered = last(d, "web", "deliveredAt");
        Instant webDone = last(d, "web", "healthyAt");
        return new Round(
                Duration.between(created, webDone).toMillis(),
                Duration.between(created, dbDone).toMillis(),
                Duration.between(dbDone, webDelivered).toMillis());
    }

    private static Instant last(JsonNode d, String app, String field) {
        return StreamSupport.stream(d.get("targets").spliterator(), false)
                .filter(t -> t.get("application").asString().equals(app))
                .map(t -> Instant.parse(t.get(field).asString()))
                .max(Instant::compareTo)
                .orElseThrow();
    }
}
