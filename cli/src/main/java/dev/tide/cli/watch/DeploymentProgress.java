package dev.tide.cli.watch;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;

/**
 * A deployment as its event journal tells it, for {@code --wait}: the waves of each dependency
 * stage with their targets' states, the deployment's state and latest message. Built from the
 * deployment's plan ({@code GET /deployments/{id}}) with every target PENDING, then moved by each
 * journal entry in order, so replaying the journal from the start ends in the current state. Pure:
 * no I/O, no clock.
 */
public final class DeploymentProgress {
    /** What a journal entry changed, for line-per-change output. */
    public record Change(Instant at, String text) {}

    /** One node × application of the deployment. */
    static final class Target {
        final String node;
        final String application;
        String state = "PENDING";
        String message;

        Target(String node, String application) {
            this.node = node;
            this.application = application;
        }
    }

    /** One wave of one stage: the targets it releases together. */
    static final class Wave {
        final int stage;
        final int wave;
        final List<String> applications;
        final List<Target> targets = new ArrayList<>();

        Wave(int stage, int wave, List<String> applications) {
            this.stage = stage;
            this.wave = wave;
            this.applications = applications;
        }

        Tally tally() {
            return Tally.of(targets);
        }
    }

    /** How many targets are in each kind of state. */
    record Tally(int total, int healthy, int failed, int inFlight, int reverted, int skipped) {
        static Tally of(java.util.Collection<Target> targets) {
            int healthy = 0, failed = 0, inFlight = 0, reverted = 0, skipped = 0;
            for (Target t : targets) {
                switch (t.state) {
                    case "HEALTHY" -> healthy++;
                    case "FAILED" -> failed++;
                    case "DESIRED", "DELIVERED", "APPLIED" -> inFlight++;
                    case "REVERTING", "ROLLED_BACK" -> reverted++;
                    case "SKIPPED" -> skipped++;
                    default -> {
                        // PENDING: the rest of the bar
                    }
                }
            }
            return new Tally(targets.size(), healthy, failed, inFlight, reverted, skipped);
        }
    }

    private static final Set<String> DEPLOYMENT_STATES = Set.of(
            "PENDING",
            "RUNNING",
            "PAUSED",
            "CANCELLING",
            "SUCCEEDED",
            "FAILED",
            "CANCELLED",
            "ROLLING_BACK",
            "ROLLED_BACK");
    private static final Set<String> FINISHED = Set.of("SUCCEEDED", "FAILED", "CANCELLED", "ROLLED_BACK");

    final String id;
    final String environment;
    String state = "PENDING";
    String message = "";
    private final Map<String, Wave> waves = new TreeMap<>();
    private final Map<String, Target> targets = new LinkedHashMap<>();
    private final Map<String, Wave> waveOfTarget = new LinkedHashMap<>();

    private DeploymentProgress(String id, String environment) {
        this.id = id;
        this.environment = environment;
    }

    /** The plan of a deployment (its JSON from the API), every target not yet started. */
    public static DeploymentProgress of(JsonNode deployment) {
        DeploymentProgress p = new DeploymentProgress(
                deployment.path("id").asString(), deployment.path("environment").asString());
        for (JsonNode w : deployment.path("waves")) {
            List<String> apps = new ArrayList<>();
            w.path("applications").forEach(a -> apps.add(a.asString()));
            p.wave(w.path("stage").asInt(), w.path("wave").asInt(), apps);
        }
        for (JsonNode t : deployment.path("targets")) {
            p.target(
                    t.path("node").asString(),
                    t.path("application").asString(),
                    t.path("stage").asInt(),
                    t.path("wave").asInt());
        }
        return p;
    }

    /**
     * Moves the progress by one journal entry ({@code id, at, type, node, application, stage, wave,
     * message}); answers what changed, or null for an entry that changes nothing shown.
     */
    public Change apply(JsonNode entry) {
        String type = entry.path("type").asString();
        String text = entry.path("message").asString("");
        Instant at = instant(entry.path("at").asString(null));
        if (type.startsWith("target.")) {
            String node = entry.path("node").asString();
            String application = entry.path("application").asString();
            Target t = targets.get(key(node, application));
            if (t == null) {
                t = target(
                        node,
                        application,
                        entry.path("stage").asInt(),
                        entry.path("wave").asInt());
            }
            String next = type.substring("target.".length()).toUpperCase(Locale.ROOT);
            if (next.equals(t.state)) {
                return null;
            }
            t.state = next;
            t.message = text;
            Wave w = waveOfTarget.get(key(node, application));
            return new Change(
                    at,
                    String.format(
                            Locale.ROOT,
                            "stage %d wave %d  %s %s: %s%s",
                            w.stage,
                            w.wave,
                            node,
                            application,
                            next,
                            next.equals("FAILED") || next.equals("SKIPPED") ? " (" + text + ")" : ""));
        }
        String upper = type.toUpperCase(Locale.ROOT);
        if (upper.equals("CREATED")) {
            upper = "PENDING";
        }
        message = text;
        if (DEPLOYMENT_STATES.contains(upper)) {
            state = upper;
            return new Change(at, "deployment " + upper + (text.isEmpty() ? "" : ": " + text));
        }
        return new Change(at, text.isEmpty() ? type : text);
    }

    public String state() {
        return state;
    }

    public boolean finished() {
        return FINISHED.contains(state);
    }

    List<Wave> waves() {
        return new ArrayList<>(waves.values());
    }

    Tally tally() {
        return Tally.of(targets.values());
    }

    private Wave wave(int stage, int wave, List<String> applications) {
        return waves.computeIfAbsent(waveKey(stage, wave), k -> new Wave(stage, wave, applications));
    }

    private Target target(String node, String application, int stage, int wave) {
        Target t = new Target(node, application);
        targets.put(key(node, application), t);
        Wave w = wave(stage, wave, new ArrayList<>(List.of(application)));
        if (!w.applications.contains(application)) {
            w.applications.add(application);
        }
        w.targets.add(t);
        waveOfTarget.put(key(node, application), w);
        return t;
    }

    /** Sorts stage by stage, wave by wave (numbers padded so 10 comes after 9). */
    private static String waveKey(int stage, int wave) {
        return String.format(Locale.ROOT, "%06d/%06d", stage, wave);
    }

    private static String key(String node, String application) {
        return node + "\u0000" + application;
    }

    private static Instant instant(String s) {
        try {
            return s == null ? null : Instant.parse(s);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
