package dev.tide.bench;

import dev.tide.bench.support.Api;
import dev.tide.bench.support.TarGz;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** What the bench asks of the control plane, over its public REST API. */
final class Tide {
    static final List<String> FINAL_STATES = List.of("SUCCEEDED", "FAILED", "CANCELLED", "ROLLED_BACK");
    /**
     * How often a running deployment is looked at. Every figure comes from the control plane's own
     * timestamps, so this only decides when the bench moves on; its cost is measured (see
     * {@link #pollCostMillis}).
     */
    static final Duration POLL = Duration.ofSeconds(1);

    private final Api api;

    Tide(Api api) {
        this.api = api;
    }

    Api api() {
        return api;
    }

    /**
     * An environment for a bench mode: push (at most {@code pushMaxParallel} applies in flight),
     * watch (pull with long-poll) or intervalN (pull every N s, 5 s jitter).
     */
    void environment(String name, String mode, int pushMaxParallel) {
        Map<String, Object> body = new HashMap<>(Map.of("name", name));
        switch (mode) {
            case "push" -> body.putAll(Map.of("mode", "PUSH", "watch", false, "pushMaxParallel", pushMaxParallel));
            case "watch" -> body.putAll(Map.of("mode", "PULL", "watch", true));
            default -> {
                if (!mode.matches("interval[1-9][0-9]*")) {
                    throw new IllegalArgumentException(
                            "unknown mode '" + mode + "': use push, watch or interval<seconds>");
                }
                body.putAll(Map.of(
                        "mode",
                        "PULL",
                        "watch",
                        false,
                        "pullIntervalSeconds",
                        Integer.parseInt(mode.substring("interval".length())),
                        "pullJitterSeconds",
                        5));
            }
        }
        api.post("/api/v1/environments", body).expect(201);
    }

    /** Switches an environment's mode at runtime, as an operator would. */
    void switchMode(String environment, String mode, boolean watch) {
        api.patch("/api/v1/environments/" + environment, Map.of("mode", mode, "watch", watch))
                .expect(200);
    }

    /** A multi-use enrollment token for a whole fleet. */
    String fleetToken(String environment, int uses) {
        return api.post(
                        "/api/v1/environments/" + environment + "/enrollment-tokens",
                        Map.of("maxUses", uses, "description", "bench swarm"))
                .expect(201)
                .body()
                .get("token")
                .asString();
    }

    /**
     * Applications {@code db} and {@code web} (web depends on db) with releases 1.0.0 ..
     * 1.0.{count-1}. Every release has an artifact of its own ({@code artifactBytes} of random,
     * incompressible content in a .tar.gz), so every deployment moves software, as a real one does.
     */
    void applications(int versions, int artifactBytes) {
        api.post("/api/v1/applications", Map.of("name", "db", "dependsOn", List.of()))
                .expect(201);
        api.post("/api/v1/applications", Map.of("name", "web", "dependsOn", List.of("db")))
                .expect(201);
        java.util.Random random = new java.util.Random(42);
        for (int v = 0; v < versions; v++) {
            for (String app : List.of("db", "web")) {
                byte[] payload = new byte[artifactBytes];
                random.nextBytes(payload);
                String sha = api.upload(new TarGz()
                                .file("bin/" + app, "#!/bin/sh\n# simulated " + app + " 1.0." + v + "\n")
                                .file("lib/" + app + ".bin", payload)
                                .build())
                        .expect(201)
                        .body()
                        .get("sha256")
                        .asString();
                api.post(
                                "/api/v1/applications/" + app + "/releases",
                                Map.of(
                                        "version",
                                        "1.0." + v,
                                        "artifactSha256",
                                        sha,
                                        "start",
                                        List.of("bin/" + app, "--node=${node.name}"),
                                        "env",
                                        Map.of("ROLE", app)))
                        .expect(201);
            }
        }
    }

    /** Deploys the releases to every node in one wave per stage; returns the deployment id. */
    String deploy(String environment, Map<String, String> versions, Duration targetTimeout) {
        return deploy(environment, versions, targetTimeout, Map.of());
    }

    /** The same with more strategy settings (waves, canary, pause). */
    String deploy(String environment, Map<String, String> versions, Duration targetTimeout, Map<String, Object> more) {
        List<Map<String, String>> releases = versions.entrySet().stream()
                .map(e -> Map.of("application", e.getKey(), "version", e.getValue()))
                .toList();
        Map<String, Object> strategy =
                Map.of("batchSize", "100%", "autoRollback", false, "targetTimeoutSeconds", targetTimeout.toSeconds());
        return api.post(
                        "/api/v1/deployments",
                        Map.of("environment", environment, "releases", releases, "strategy", strategy))
                .expect(201)
                .body()
                .get("id")
                .asString();
    }

    JsonNode deployment(String id) {
        return api.get("/api/v1/deployments/" + id).expect(200).body();
    }

    /**
     * Waits for the deployment's final state (any), failing with the state it was in at the
     * timeout. It watches the environment's deployment list, as {@link #lookAtDeployments} does:
     * the deployment itself lists every target (4 MB at 10,000 nodes), and asking for it four
     * times a second cost the control plane a third of the CPU the bench measured.
     */
    JsonNode awaitFinished(String id, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String state = "?";
        String environment = deployment(id).get("environment").asString();
        String lastFailure = "";
        while (System.nanoTime() < deadline) {
            JsonNode recent;
            try {
                recent = lookAtDeployments(environment);
            } catch (IllegalStateException e) {
                if (!(e.getCause() instanceof java.io.IOException)) {
                    throw e;
                }
                // a control plane that just restarted under load may drop a connection; look again, as a script would
                lastFailure = " (last look failed: " + e.getMessage() + ")";
                Thread.sleep(250);
                continue;
            }
            for (JsonNode d : recent) {
                if (d.get("id").asString().equals(id)) {
                    state = d.get("state").asString();
                }
            }
            if (FINAL_STATES.contains(state)) {
                return deployment(id);
            }
            Thread.sleep(250);
        }
        throw new PhaseTimeout("deployment " + id + " still " + state + " after " + timeout + lastFailure);
    }

    /** One look at the environment's deployments, as {@link #awaitFinished} does each {@link #POLL}. */
    JsonNode lookAtDeployments(String environment) {
        return api.get("/api/v1/deployments?limit=5&environment=" + environment)
                .expect(200)
                .body();
    }

    /** Every node of the environment, a page of 1,000 at a time. */
    List<JsonNode> nodes(String environment) {
        List<JsonNode> nodes = new java.util.ArrayList<>();
        for (int page = 0; ; page++) {
            JsonNode body = api.get("/api/v1/nodes?size=1000&environment=" + environment + "&page=" + page)
                    .expect(200)
                    .body();
            body.get("items").forEach(nodes::add);
            if (page + 1 >= body.get("totalPages").asInt()) {
                return nodes;
            }
        }
    }

    /** A wait of the bench that ran out of time. */
    static final class PhaseTimeout extends RuntimeException {
        PhaseTimeout(String message) {
            super(message);
        }
    }
}
