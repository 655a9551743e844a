package dev.tide.bench.swarm;

import dev.tide.agent.HostPort;
import dev.tide.agent.transport.ChannelFactory;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One swarm process: starts a {@link SimulatedFleet} and talks to the {@link Swarm} launcher over
 * its standard streams. Lines it prints that start with {@value #PREFIX} are for the launcher
 * ({@code progress N}, {@code ready STARTED FAILED}, {@code fail TEXT}, {@code stats SENT RECEIVED
 * THREADS STARTED GC_MILLIS}); everything else is log. It reads {@code stats} and {@code quit}; the end of its
 * input (the launcher died) also ends it.
 */
public final class SwarmWorker {
    static final String PREFIX = "@swarm ";

    private SwarmWorker() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> a = parse(args);
        // The agent's own logging (SLF4J's simple provider, which the agent jar carries), chosen by
        // name because the bench's class path also holds logback; set before the first logger.
        System.setProperty("slf4j.provider", "org.slf4j.simple.SimpleServiceProvider");
        System.setProperty(
                "org.slf4j.simpleLogger.log.dev.tide.agent",
                a.getOrDefault("log-level", "WARN").toLowerCase(java.util.Locale.ROOT));
        System.setProperty("org.slf4j.simpleLogger.log.io.grpc", "warn");
        PrintStream out = System.out;
        SimulatedFleet.Spec spec = new SimulatedFleet.Spec(
                java.util.Arrays.stream(a.get("control-plane").split(","))
                        .map(String::trim)
                        .map(HostPort::parse)
                        .toList(),
                a.get("token"),
                a.getOrDefault("prefix", "sim"),
                Integer.parseInt(a.getOrDefault("from", "0")),
                Integer.parseInt(a.get("count")),
                Integer.parseInt(a.getOrDefault("listen-base", "-1")),
                labels(a.getOrDefault("labels", "")),
                new SimulatedWorkloads.Behaviour(
                        Duration.ofMillis(Long.parseLong(a.getOrDefault("start-ms", "10"))),
                        Duration.ofMillis(Long.parseLong(a.getOrDefault("health-ms", "50"))),
                        Double.parseDouble(a.getOrDefault("failure-rate", "0"))),
                Integer.parseInt(a.getOrDefault("pool", "128")),
                Integer.parseInt(a.getOrDefault("enroll-parallel", "8")),
                // The agent daemon's idle timeout unless told otherwise: with a shorter one an
                // agent polling every 30 s would open a new TLS connection for every poll.
                a.containsKey("idle-timeout-s")
                        ? Duration.ofSeconds(Long.parseLong(a.get("idle-timeout-s")))
                        : ChannelFactory.IDLE_TIMEOUT);
        GcWatch gc = new GcWatch(text -> {
            out.println("[gc-watch] ERROR " + text);
            out.flush();
        });
        ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gc-watch");
            t.setDaemon(true);
            return t;
        });
        watch.scheduleAtFixedRate(gc::check, 10, 10, TimeUnit.SECONDS);
        try (SimulatedFleet fleet = new SimulatedFleet(spec)) {
            fleet.start(n -> say(out, "progress " + n));
            List<String> failures = fleet.failures();
            failures.stream().limit(20).forEach(f -> say(out, "fail " + f.replace('\n', ' ')));
            say(out, "ready " + fleet.started() + " " + failures.size());
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null) {
                String command = line.trim();
                if (command.equals("quit")) {
                    break;
                }
                if (command.equals("stats")) {
                    say(
                            out,
                            "stats " + fleet.wire().sent() + " " + fleet.wire().received() + " "
                                    + SimulatedFleet.liveThreads() + " " + fleet.started() + " "
                                    + GcWatch.gcMillis());
                }
            }
        }
        say(out, "bye");
        System.exit(0);
    }

    private static synchronized void say(PrintStream out, String line) {
        out.println(PREFIX + line);
        out.flush();
    }

    static Map<String, String> parse(String[] args) {
        Map<String, String> map = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("expected --key=value, got '" + arg + "'");
            }
            map.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        for (String required : List.of("control-plane", "token", "count")) {
            if (!map.containsKey(required)) {
                throw new IllegalArgumentException("--" + required + " is required");
            }
        }
        return map;
    }

    static Map<String, String> labels(String text) {
        Map<String, String> labels = new HashMap<>();
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                labels.put(pair.substring(0, eq), pair.substring(eq + 1));
            }
        }
        return labels;
    }
}
