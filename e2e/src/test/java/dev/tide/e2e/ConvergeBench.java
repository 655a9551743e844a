package dev.tide.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Time to converge, push against pull: for each mode, N real agents each run the example app;
 * every round deploys a new version and records (from the deployment's own timestamps) the
 * time from deployment creation to every instance healthy, and the median desired-to-delivered
 * latency. One mode at a time, so the two do not compete for the machine.
 *
 * <p>Run: {@code ./mvnw -q -pl e2e -am -DskipTests install && ./mvnw -q -pl e2e exec:java
 * -Dexec.mainClass=dev.tide.e2e.ConvergeBench -Dexec.classpathScope=test -Dexec.args="3 5"}
 * (agents per mode, rounds; modes default to push,watch — add a third argument such as
 * {@code push,watch,interval10} to include pull at a 10 s interval).
 */
public final class ConvergeBench {
    /** One measured deployment. */
    record Round(long totalMillis, long medianDeliveredMillis, long medianHealthyMillis) {}

    public static void main(String[] args) {
        BenchMain.run(args, ConvergeBench::run);
    }

    private static void run(String[] args) throws Exception {
        int agents = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        List<String> modes = List.of((args.length > 2 ? args[2] : "push,watch").split(","));
        Path dir = Files.createTempDirectory("tide-convergebench");
        try (Fleet fleet = new Fleet(dir)) {
            fleet.application("bench", List.of());
            // N JVMs starting at once on a small machine need time: scale the limits with N.
            int healthSeconds = Math.max(30, 6 * agents);
            Map<String, Object> strategy = Map.of("targetTimeoutSeconds", Math.max(300, 12 * agents));
            String sha = fleet.uploadHello();
            for (int r = 0; r <= rounds; r++) {
                fleet.release("bench", "1." + r + ".0", sha, "/health", healthSeconds);
            }
            List<String> lines = new ArrayList<>();
            for (String mode : modes) {
                String env = "bench-" + mode;
                fleet.environmentForMode(env, mode);
                fleet.agents(env, mode, agents);
                // Round 0 installs the app everywhere (first start); the measured rounds replace it.
                fleet.awaitDeployment(deploy(fleet, env, "1.0.0", strategy), "SUCCEEDED", Duration.ofMinutes(15));
                List<Round> measured = new ArrayList<>();
                for (int r = 1; r <= rounds; r++) {
                    String id = deploy(fleet, env, "1." + r + ".0", strategy);
                    JsonNode d = fleet.awaitDeployment(id, "SUCCEEDED", Duration.ofMinutes(15));
                    Round round = measure(d);
                    measured.add(round);
                    System.out.printf(
                            "%-10s round %d: all %d healthy after %d ms (median delivered %d ms, median healthy %d ms)%n",
                            mode,
                            r,
                            agents,
                            round.totalMillis(),
                            round.medianDeliveredMillis(),
                            round.medianHealthyMillis());
                }
                lines.add(String.format(
                        "%-10s %3d agents: median over %d rounds: all healthy %6d ms | delivered %5d ms | healthy %6d ms",
                        mode,
                        agents,
                        rounds,
                        median(measured.stream().map(Round::totalMillis).toList()),
                        median(measured.stream()
                                .map(Round::medianDeliveredMillis)
                                .toList()),
                        median(measured.stream().map(Round::medianHealthyMillis).toList())));
                fleet.stopAgents();
            }
            System.out.println();
            lines.forEach(System.out::println);
        }
    }

    private static String deploy(Fleet fleet, String env, String version, Map<String, Object> strategy) {
        return fleet.deploy(env, List.of(Map.of("application", "bench", "version", version)), strategy);
    }

    static Round measure(JsonNode deployment) {
        Instant created = Instant.parse(deployment.get("createdAt").asString());
        List<Long> delivered = new ArrayList<>();
        List<Long> healthy = new ArrayList<>();
        long last = 0;
        for (JsonNode t : deployment.get("targets")) {
            Instant desired = Instant.parse(t.get("desiredAt").asString());
            delivered.add(
                    Duration.between(desired, Instant.parse(t.get("deliveredAt").asString()))
                            .toMillis());
            long h = Duration.between(created, Instant.parse(t.get("healthyAt").asString()))
                    .toMillis();
            healthy.add(h);
            last = Math.max(last, h);
        }
        return new Round(last, median(delivered), median(healthy));
    }

    static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
