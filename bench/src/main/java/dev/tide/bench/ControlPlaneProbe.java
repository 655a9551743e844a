package dev.tide.bench;

import dev.tide.bench.support.Api;
import dev.tide.bench.support.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.stream.Stream;

/**
 * Reads what the control plane costs, from the outside: CPU time of its JVMs (one per replica) and
 * of the PostgreSQL server (from /proc, as {@code top} would), sockets they hold, and their own
 * Prometheus counters (agent RPCs, push applies, threads, heap), summed over the replicas, and the
 * database's statements, counted once for all of them.
 */
final class ControlPlaneProbe {
    /** One control-plane JVM: its name in the report, its REST API and its process. */
    record Replica(String name, Api api, ProcessHandle jvm) {}

    /** A reading of the counters that only grow; CPU per replica, in the order of the replicas. */
    record Counters(
            List<Double> replicaCpuSeconds,
            double jitCpuSeconds,
            double dbCpuSeconds,
            double agentRpcs,
            double pushApplies,
            double dbStatements) {
        Counters {
            replicaCpuSeconds = List.copyOf(replicaCpuSeconds);
        }

        /** CPU of every control-plane JVM together. */
        double jvmCpuSeconds() {
            return replicaCpuSeconds.stream().mapToDouble(Double::doubleValue).sum();
        }

        Counters minus(Counters before) {
            List<Double> cpu = new ArrayList<>();
            for (int i = 0; i < replicaCpuSeconds.size(); i++) {
                cpu.add(replicaCpuSeconds.get(i) - before.replicaCpuSeconds.get(i));
            }
            return new Counters(
                    cpu,
                    jitCpuSeconds - before.jitCpuSeconds,
                    dbCpuSeconds - before.dbCpuSeconds,
                    agentRpcs - before.agentRpcs,
                    pushApplies - before.pushApplies,
                    dbStatements - before.dbStatements);
        }
    }

    private final List<Replica> replicas;
    private final Path databaseDir;
    private final DoubleSupplier statements;

    /** One control plane on its embedded PostgreSQL, which counts statements in its own metrics. */
    ControlPlaneProbe(Api api, ProcessHandle jvm, Path databaseDir) {
        this(List.of(new Replica("control plane", api, jvm)), databaseDir, null);
    }

    /**
     * @param databaseDir the PostgreSQL server's data directory: the server runs detached from the
     *     JVMs, so it is found by the {@code -D} on its command line
     * @param statements the database's statement count, read once for every replica; null to read
     *     it from the first replica's {@code tide_db_statements_total}
     */
    ControlPlaneProbe(List<Replica> replicas, Path databaseDir, DoubleSupplier statements) {
        this.replicas = List.copyOf(replicas);
        this.databaseDir = databaseDir;
        this.statements = statements;
    }

    List<Replica> replicas() {
        return replicas;
    }

    /** The PostgreSQL server and its backends (none for an external database). */
    private Stream<ProcessHandle> database() {
        String marker = databaseDir.toAbsolutePath().toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
                .flatMap(server -> Stream.concat(Stream.of(server), server.descendants()));
    }

    Counters counters() {
        List<Double> cpu = new ArrayList<>();
        double jit = 0;
        double rpcs = 0;
        double applies = 0;
        double fromMetrics = Double.NaN;
        for (Replica r : replicas) {
            cpu.add(cpuSeconds(r.jvm()));
            jit += compilerCpuSeconds(r.jvm().pid());
            Map<String, Double> metrics = r.api().metrics();
            rpcs += metrics.getOrDefault("tide_agent_requests_total", 0.0);
            applies += metrics.getOrDefault("tide_push_applies_total", 0.0);
            if (r == replicas.get(0)) {
                fromMetrics = metrics.getOrDefault("tide_db_statements_total", Double.NaN);
            }
        }
        return new Counters(
                cpu,
                jit,
                database().mapToDouble(ControlPlaneProbe::cpuSeconds).sum(),
                rpcs,
                applies,
                statements == null ? fromMetrics : statements.getAsDouble());
    }

    /** Agent RPCs served and push applies sent so far, per replica. */
    List<Served> served() {
        return replicas.stream()
                .map(r -> {
                    Map<String, Double> metrics = r.api().metrics();
                    return new Served(
                            r.name(),
                            metrics.getOrDefault("tide_agent_requests_total", 0.0),
                            metrics.getOrDefault("tide_push_applies_total", 0.0));
                })
                .toList();
    }

    /** What one replica did for the agents. */
    record Served(String replica, double agentRpcs, double pushApplies) {}

    /**
     * Sum of every series of each metric over the replicas, by metric name (gauges such as push
     * sessions or parked watches add up to the fleet's).
     */
    Map<String, Double> scrape() {
        Map<String, Double> sums = new HashMap<>();
        replicas.forEach(r -> r.api().metrics().forEach((k, v) -> sums.merge(k, v, Double::sum)));
        return sums;
    }

    /** Heap in use right after a full collection (jcmd GC.run), in MB, per replica. */
    List<Double> heapAfterGcMb() {
        return replicas.stream().map(ControlPlaneProbe::heapAfterGcMb).toList();
    }

    private static double heapAfterGcMb(Replica replica) {
        Path jcmd = Paths.get(System.getProperty("java.home"), "bin", "jcmd");
        if (Files.isExecutable(jcmd)) {
            try {
                Process p = new ProcessBuilder(
                                jcmd.toString(), Long.toString(replica.jvm().pid()), "GC.run")
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
        Double used = scrapeArea(replica.api(), "jvm_memory_used_bytes", "area=\"heap\"");
        return used == null ? Double.NaN : used / (1024 * 1024);
    }

    /** Live threads of every replica together. */
    int liveThreads() {
        return scrape().getOrDefault("jvm_threads_live_threads", Double.NaN).intValue();
    }

    /** Sockets the control-plane JVMs hold (connections to agents and to the database, listeners). */
    int sockets() {
        int sum = 0;
        for (Replica r : replicas) {
            int held = sockets(r.jvm());
            if (held < 0) {
                return -1;
            }
            sum += held;
        }
        return sum;
    }

    private static int sockets(ProcessHandle jvm) {
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

    private static Double scrapeArea(Api api, String metric, String label) {
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

    /**
     * CPU time of the JVM's JIT compiler threads ({@code C1/C2 CompilerThreadN}) from
     * {@code /proc/PID/task}, 0 where that cannot be read. A thread the JVM ended in between takes
     * its time with it, so a difference of two readings is at least what the compilers used.
     */
    static double compilerCpuSeconds(long pid) {
        Path tasks = Paths.get("/proc", Long.toString(pid), "task");
        double ticks = 0;
        try (Stream<Path> threads = Files.list(tasks)) {
            for (Path thread : threads.toList()) {
                try {
                    if (!Files.readString(thread.resolve("comm")).contains("CompilerThre")) {
                        continue;
                    }
                    String stat = Files.readString(thread.resolve("stat"));
                    // after "(comm)": state is field 3, utime 14 and stime 15
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                } catch (IOException | RuntimeException e) {
                    // the thread ended while being read
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks / CLOCK_TICKS;
    }

    /** USER_HZ of /proc's times: 100 on Linux for every architecture that runs a JVM here. */
    private static final double CLOCK_TICKS = 100;

    /** The tail of the control plane's log, for failure messages. */
    static String tail(Path log) {
        return Processes.tail(log, 15);
    }
}
