package dev.tide.bench;

import dev.tide.bench.support.Api;
import dev.tide.bench.support.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Reads what the control plane costs, from the outside: CPU time of its JVM and of its embedded
 * PostgreSQL (from /proc, as {@code top} would), sockets it holds, and its own Prometheus
 * counters (agent RPCs, push applies, database statements, threads, heap).
 */
final class ControlPlaneProbe {
    /** A reading of the counters that only grow. */
    record Counters(
            double jvmCpuSeconds, double dbCpuSeconds, double agentRpcs, double pushApplies, double dbStatements) {
        Counters minus(Counters before) {
            return new Counters(
                    jvmCpuSeconds - before.jvmCpuSeconds,
                    dbCpuSeconds - before.dbCpuSeconds,
                    agentRpcs - before.agentRpcs,
                    pushApplies - before.pushApplies,
                    dbStatements - before.dbStatements);
        }
    }

    private final Api api;
    private final ProcessHandle jvm;
    private final Path databaseDir;

    /**
     * @param databaseDir the embedded PostgreSQL's data directory: its server runs detached from
     *     the JVM, so it is found by the {@code -D} on its command line
     */
    ControlPlaneProbe(Api api, ProcessHandle jvm, Path databaseDir) {
        this.api = api;
        this.jvm = jvm;
        this.databaseDir = databaseDir;
    }

    /** The embedded PostgreSQL server and its backends (none for an external database). */
    private Stream<ProcessHandle> database() {
        String marker = databaseDir.toAbsolutePath().toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .flatMap(server -> Stream.concat(Stream.of(server), server.descendants()));
    }

    Counters counters() {
        Map<String, Double> metrics = scrape();
        return new Counters(
                cpuSeconds(jvm),
                database().mapToDouble(ControlPlaneProbe::cpuSeconds).sum(),
                metrics.getOrDefault("tide_agent_requests_total", 0.0),
                metrics.getOrDefault("tide_push_applies_total", 0.0),
                metrics.getOrDefault("tide_db_statements_total", Double.NaN));
    }

    /** Sum of every series of each metric, by metric name. */
    Map<String, Double> scrape() {
        return api.metrics();
    }

    /** Heap in use right after a full collection (jcmd GC.run), in MB. */
    double heapAfterGcMb() {
        Path jcmd = Paths.get(System.getProperty("java.home"), "bin", "jcmd");
        if (Files.isExecutable(jcmd)) {
            try {
                Process p = new ProcessBuilder(jcmd.toString(), Long.toString(jvm.pid()), "GC.run")
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                p.waitFor(60, TimeUnit.SECONDS);
            } catch (IOException e) {
                return Double.NaN;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Double.NaN;
            }
        }
        Double used = scrapeArea("jvm_memory_used_bytes", "area=\"heap\"");
        return used == null ? Double.NaN : used / (1024 * 1024);
    }

    int liveThreads() {
        return scrape().getOrDefault("jvm_threads_live_threads", Double.NaN).intValue();
    }

    /** Sockets the control-plane JVM holds (connections to agents and to the database, listeners). */
    int sockets() {
        try (Stream<Path> fds = Files.list(Paths.get("/proc", Long.toString(jvm.pid()), "fd"))) {
            return (int) fds.filter(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                        } catch (IOException e) {
                            return false;
                        }
                    })
                    .count();
        } catch (IOException e) {
            return -1;
        }
    }

    private Double scrapeArea(String metric, String label) {
        double sum = 0;
        boolean found = false;
        for (String line : api.text("/actuator/prometheus").split("\n")) {
            if (line.startsWith(metric + "{") && line.contains(label)) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                found = true;
            }
        }
        return found ? sum : null;
    }

    /** CPU time (user + system) of a process, 0 when it is gone. */
    static double cpuSeconds(ProcessHandle p) {
        return p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L) / 1e9;
    }

    /** The tail of the control plane's log, for failure messages. */
    static String tail(Path log) {
        return Processes.tail(log, 15);
    }
}
