package dev.tide.bench;

import dev.tide.bench.floor.Floor;
import dev.tide.bench.report.FloorResult;
import dev.tide.bench.report.ReportContext;
import dev.tide.bench.report.ReportWriter;
import dev.tide.bench.report.ResultsCsv;
import dev.tide.bench.report.RunResult;
import dev.tide.bench.swarm.SimulatedWorkloads;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * {@code ./tide bench}: runs every mode at every fleet size against a fresh control plane with a
 * swarm of simulated agents, measures the bare grpc-java floor at the same sizes, and writes the
 * report (Markdown, PNG charts, raw CSV). Results are appended after each run, so an interrupted
 * bench keeps what finished ({@code --resume} skips it next time).
 */
final class FleetBench {
    private final BenchOptions options;
    private final List<String> notes = new ArrayList<>();

    FleetBench(BenchOptions options) {
        this.options = options;
    }

    void run() throws Exception {
        Instant started = Instant.now();
        Path out = options.out();
        Files.createDirectories(out);
        Path runsCsv = out.resolve("runs.csv");
        Path floorCsv = out.resolve("floor.csv");
        Path notesFile = out.resolve("notes.txt");
        if (!options.resume() && !options.renderOnly()) {
            Files.deleteIfExists(runsCsv);
            Files.deleteIfExists(floorCsv);
            Files.deleteIfExists(notesFile);
        }
        if (!options.renderOnly()) {
            measure(runsCsv, floorCsv, notesFile);
        }
        List<RunResult> runs =
                withFloorRatios(read(runsCsv, ResultsCsv::readAll), read(floorCsv, ResultsCsv::readFloors));
        List<String> allNotes = new ArrayList<>(Files.exists(notesFile) ? Files.readAllLines(notesFile) : List.of());
        allNotes.add(String.format(
                "Simulated applications take %d ms to start and %d ms to pass their health check (each ±50 %%);"
                        + " everything else the agents do runs for real: enrollment, gRPC calls, verifying and"
                        + " unpacking the artifact (into an in-memory file system), status reports.",
                options.behaviour().startTime().toMillis(),
                options.behaviour().healthTime().toMillis()));
        allNotes.add("Wire bytes are gRPC's wire sizes counted by the agents (messages after framing, without"
                + " HTTP/2 and TCP headers). Control-plane CPU is its JVM's; the embedded PostgreSQL's CPU is noted"
                + " per run. RPCs/s counts agent RPCs served plus push applies sent.");
        if (options.replicas() > 1) {
            allNotes.add(String.format(
                    "%d control-plane replicas on one PostgreSQL that the bench runs itself (it outlives a killed"
                            + " replica, as an external server would), each with its own ports, data dir and replica id,"
                            + " artifacts kept in the database. Agent i enrolls and pulls through replica i mod %d, as a"
                            + " load balancer would spread them; push sessions are dialled by the replica holding the"
                            + " node's push lease. CPU, heap, threads and connections are summed over the replicas (per"
                            + " replica in the notes of each run); database statements are counted once, in the shared"
                            + " database. The kill takes down the replica with the most agents connected; a deployment"
                            + " is made at once through another, which stays up.",
                    options.replicas(), options.replicas()));
        }
        Path meta = out.resolve("run.properties");
        java.util.Properties run = new java.util.Properties();
        if (options.renderOnly() && Files.exists(meta)) {
            try (var in = Files.newBufferedReader(meta)) {
                run.load(in); // describe the measurement, not the redraw
            }
        } else {
            run.setProperty("command", options.commandLine());
            run.setProperty("started", started.toString());
            run.setProperty(
                    "seconds",
                    Long.toString(Duration.between(started, Instant.now()).toSeconds()));
            run.setProperty("commit", gitCommit());
            if (!options.renderOnly()) {
                try (var w = Files.newBufferedWriter(meta)) {
                    run.store(w, "how the report was measured (read by --render-only)");
                }
            }
        }
        ReportWriter.write(
                out,
                new ReportContext(
                        run.getProperty("command"),
                        machine(),
                        run.getProperty("commit"),
                        Instant.parse(run.getProperty("started")),
                        Duration.ofSeconds(Long.parseLong(run.getProperty("seconds"))),
                        allNotes),
                runs,
                read(floorCsv, ResultsCsv::readFloors));
        say("report written to " + out.resolve("README.md"));
    }

    private void measure(Path runsCsv, Path floorCsv, Path notesFile) throws Exception {
        List<RunResult> done = read(runsCsv, ResultsCsv::readAll).stream()
                .filter(RunResult::completed)
                .toList();
        if (Files.exists(runsCsv)) {
            ResultsCsv.rewrite(runsCsv, done); // runs that did not complete are tried again
        }
        for (int n : options.sizes()) {
            for (String mode : options.modes()) {
                if (done.stream()
                        .anyMatch(r -> r.mode().equals(mode) && r.nodes() == n && r.replicas() == options.replicas())) {
                    say("skipping " + mode + " N=" + n + ": already in " + runsCsv);
                    continue;
                }
                say("---- " + mode + ", " + n + " agents ----");
                RunResult result = new ModeRun(mode, n, options, this::say, notes).run();
                ResultsCsv.append(runsCsv, result);
                readLogs(options.work().resolve(mode + "-" + n), mode, n);
                keepNotes(notesFile);
            }
            if (options.floor()
                    && read(floorCsv, ResultsCsv::readFloors).stream().noneMatch(f -> f.nodes() == n)) {
                say("---- floor: bare grpc-java, " + n + " clients ----");
                try {
                    FloorResult floor = Floor.measure(
                                    n,
                                    options.perWorker(),
                                    2048,
                                    3,
                                    Duration.ofMinutes(10),
                                    options.work().resolve("floor-" + n),
                                    true) // the agents speak mutual TLS, so the floor does too
                            .result();
                    ResultsCsv.append(floorCsv, floor);
                    say(String.format(
                            "floor N=%,d: stream fan-out max %.1f ms, long-poll answer max %.1f ms",
                            n, floor.streamMaxMillis(), floor.longPollMaxMillis()));
                } catch (Exception e) {
                    notes.add("The floor at N=" + n + " could not be measured: " + e.getMessage());
                    say("floor failed: " + e.getMessage());
                    keepNotes(notesFile);
                }
            }
        }
    }

    /** Notes go to a file beside the CSV, so a resumed or re-rendered report keeps them. */
    private void keepNotes(Path notesFile) throws IOException {
        List<String> lines = notes.stream().map(n -> n.replace('\n', ' ')).toList();
        Files.write(notesFile, lines, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
        notes.clear();
    }

    /** An ERROR in a benchmark's logs is a bug: count them per run and quote the first. */
    private void readLogs(Path dir, String mode, int n) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        LogScan scan = LogScan.of(dir);
        String summary =
                String.format("%s N=%,d logs: %d ERROR and %d WARN lines", mode, n, scan.errors(), scan.warnings());
        notes.add(scan.first() == null ? summary : summary + "; first ERROR: `" + truncate(scan.first(), 300) + "`");
        say(summary);
    }

    /**
     * The ERROR and WARN lines in a run's logs (its directory, and with replicas each replica's),
     * and the first ERROR with the log it is in; null when there is none.
     */
    record LogScan(int errors, int warnings, String first) {
        static LogScan of(Path dir) throws IOException {
            List<Path> logs;
            try (Stream<Path> files = Files.walk(dir, 2)) {
                logs = files.filter(p -> p.toString().endsWith(".log")).sorted().toList();
            }
            int errors = 0;
            int warnings = 0;
            String first = null;
            for (Path log : logs) {
                boolean postgres = log.getFileName().toString().equals("postgres.log"); // the shared server's own
                for (String line : Files.readAllLines(log)) {
                    if (line.contains(" ERROR ") || line.contains("\"ERROR\"") || postgres && line.contains("ERROR:")) {
                        errors++;
                        if (first == null) {
                            first = dir.relativize(log) + ": " + line.strip();
                        }
                    } else if (line.contains(" WARN ") || line.contains("\"WARN\"")) {
                        warnings++;
                    }
                }
            }
            return new LogScan(errors, warnings, first);
        }
    }

    private static List<RunResult> withFloorRatios(List<RunResult> runs, List<FloorResult> floors) {
        Map<Integer, FloorResult> byN =
                floors.stream().collect(Collectors.toMap(FloorResult::nodes, f -> f, (a, b) -> b));
        List<RunResult> out = new ArrayList<>();
        for (RunResult r : runs) {
            FloorResult f = byN.get(r.nodes());
            double floor =
                    f == null ? Double.NaN : r.mode().equals("push") ? f.streamMaxMillis() : f.longPollMaxMillis();
            double ratio = floor > 0 ? r.delivered().max() / floor : Double.NaN;
            out.add(new RunResult(
                    r.mode(),
                    r.nodes(),
                    r.completed(),
                    r.failure(),
                    r.enrollSeconds(),
                    r.deploySeconds(),
                    r.delivered(),
                    r.applied(),
                    r.healthy(),
                    r.exposureSeconds(),
                    r.gateMillis(),
                    r.dependentSeconds(),
                    r.cpuSeconds(),
                    r.cpuPercentOfCore(),
                    r.idleCpuPercentOfCore(),
                    r.heapAfterGcMb(),
                    r.liveThreads(),
                    r.openConnections(),
                    r.rpcsPerSecond(),
                    r.dbStatements(),
                    r.wireBytes(),
                    r.reconnectSeconds(),
                    ratio,
                    r.replicas()));
        }
        return out;
    }

    private interface Reader<T> {
        List<T> read(Path csv) throws IOException;
    }

    private static <T> List<T> read(Path csv, Reader<T> reader) throws IOException {
        return Files.exists(csv) ? reader.read(csv) : List.of();
    }

    private void say(String line) {
        System.out.println(LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + " " + line);
        System.out.flush();
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }

    private static String machine() {
        long memGb = 0;
        try {
            memGb = Files.readAllLines(Paths.get("/proc/meminfo")).stream()
                            .filter(l -> l.startsWith("MemTotal:"))
                            .mapToLong(l -> Long.parseLong(l.replaceAll("[^0-9]", "")))
                            .findFirst()
                            .orElse(0)
                    / (1024 * 1024);
        } catch (IOException | RuntimeException e) {
            // unknown
        }
        return String.format(
                "%d cores, %d GiB, %s %s, Java %s",
                Runtime.getRuntime().availableProcessors(),
                memGb,
                System.getProperty("os.name"),
                System.getProperty("os.arch"),
                System.getProperty("java.version"));
    }

    private static String gitCommit() {
        try {
            Process p = new ProcessBuilder("git", "rev-parse", "--short", "HEAD")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            return p.waitFor() == 0 ? out : "unknown";
        } catch (IOException e) {
            return "unknown";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "unknown";
        }
    }

    /** The bench's settings, from {@code --key=value} flags. */
    record BenchOptions(
            List<Integer> sizes,
            List<String> modes,
            Path out,
            Path work,
            int perWorker,
            String workerHeap,
            String controlPlaneHeap,
            int listenBase,
            int workerPool,
            SimulatedWorkloads.Behaviour behaviour,
            Duration idleWindow,
            int rounds,
            int httpPort,
            int grpcPort,
            boolean resume,
            boolean renderOnly,
            boolean floor,
            int pushMaxParallel,
            int replicas,
            int databasePort,
            String commandLine) {

        static BenchOptions parse(String[] args) {
            Map<String, String> a = new java.util.HashMap<>();
            for (String arg : args) {
                if (!arg.startsWith("--")) {
                    throw new IllegalArgumentException("unexpected argument '" + arg + "' (flags are --key=value)");
                }
                int eq = arg.indexOf('=');
                a.put(eq < 0 ? arg.substring(2) : arg.substring(2, eq), eq < 0 ? "true" : arg.substring(eq + 1));
            }
            List<String> known = List.of(
                    "sizes",
                    "modes",
                    "out",
                    "work",
                    "per-worker",
                    "worker-heap",
                    "control-plane-heap",
                    "listen-base",
                    "worker-pool",
                    "start-ms",
                    "health-ms",
                    "failure-rate",
                    "idle-seconds",
                    "rounds",
                    "http-port",
                    "grpc-port",
                    "resume",
                    "render-only",
                    "no-floor",
                    "push-max-parallel",
                    "replicas",
                    "db-port");
            for (String key : a.keySet()) {
                if (!known.contains(key)) {
                    throw new IllegalArgumentException(
                            "unknown flag --" + key + " (known: --" + String.join(", --", known) + ")");
                }
            }
            List<Integer> sizes = Arrays.stream(
                            a.getOrDefault("sizes", "10,100,1000,10000").split(","))
                    .map(String::trim)
                    .map(s -> {
                        int n = number("sizes", s.replace("_", ""));
                        if (n < 1 || n > 20000) {
                            throw new IllegalArgumentException("--sizes: " + n + " is not between 1 and 20,000");
                        }
                        return n;
                    })
                    .sorted()
                    .toList();
            List<String> modes =
                    List.of(a.getOrDefault("modes", "push,watch,interval30").split(","));
            for (String mode : modes) {
                if (!mode.equals("push") && !mode.equals("watch") && !mode.matches("interval[1-9][0-9]*")) {
                    throw new IllegalArgumentException(
                            "--modes: unknown mode '" + mode + "' (push, watch, interval<seconds>)");
                }
            }
            int perWorker = number("per-worker", a.getOrDefault("per-worker", "2500"));
            if (perWorker < 1 || perWorker > 5000) {
                throw new IllegalArgumentException(
                        "--per-worker: " + perWorker + " is not between 1 and 5,000 (each agent costs up to 3 files"
                                + " in its worker; the limit here is 20,000 per process)");
            }
            int listenBase = number("listen-base", a.getOrDefault("listen-base", "20000"));
            int largest = sizes.get(sizes.size() - 1);
            if (listenBase + largest > 32767) {
                throw new IllegalArgumentException("--listen-base: " + listenBase + " + " + largest
                        + " agents reaches past 32767 (ports above are ephemeral here)");
            }
            int replicas = number("replicas", a.getOrDefault("replicas", "1"));
            if (replicas < 1 || replicas > 8) {
                throw new IllegalArgumentException("--replicas: " + replicas + " is not between 1 and 8");
            }
            int httpPort = port("http-port", a.getOrDefault("http-port", "18080"));
            int grpcPort = port("grpc-port", a.getOrDefault("grpc-port", "19090"));
            port("http-port", Integer.toString(httpPort + replicas - 1)); // replica i listens on the base + i
            port("grpc-port", Integer.toString(grpcPort + replicas - 1));
            return new BenchOptions(
                    sizes,
                    modes,
                    Paths.get(a.getOrDefault("out", "docs/report")),
                    Paths.get(a.getOrDefault("work", ".tide/bench")).toAbsolutePath(),
                    perWorker,
                    a.getOrDefault("worker-heap", "2g"),
                    a.getOrDefault("control-plane-heap", "2g"),
                    listenBase,
                    number("worker-pool", a.getOrDefault("worker-pool", "128")),
                    new SimulatedWorkloads.Behaviour(
                            Duration.ofMillis(number("start-ms", a.getOrDefault("start-ms", "10"))),
                            Duration.ofMillis(number("health-ms", a.getOrDefault("health-ms", "50"))),
                            fraction("failure-rate", a.getOrDefault("failure-rate", "0"))),
                    Duration.ofSeconds(number("idle-seconds", a.getOrDefault("idle-seconds", "40"))),
                    rounds(a.getOrDefault("rounds", "3")),
                    httpPort,
                    grpcPort,
                    a.containsKey("resume"),
                    a.containsKey("render-only"),
                    !a.containsKey("no-floor"),
                    pushMaxParallel(a.getOrDefault("push-max-parallel", "50")),
                    replicas,
                    port("db-port", a.getOrDefault("db-port", "15432")),
                    "./tide bench" + (args.length == 0 ? "" : " " + String.join(" ", args)));
        }

        private static int port(String flag, String text) {
            int port = number(flag, text);
            if (port < 1024 || port > 32767) {
                throw new IllegalArgumentException(
                        "--" + flag + ": " + port + " is not between 1024 and 32767 (ports above are ephemeral here)");
            }
            return port;
        }

        private static int pushMaxParallel(String text) {
            int n = number("push-max-parallel", text);
            if (n < 1 || n > 100_000) {
                throw new IllegalArgumentException("--push-max-parallel: " + n + " is not between 1 and 100,000");
            }
            return n;
        }

        private static int rounds(String text) {
            int rounds = number("rounds", text);
            if (rounds < 1 || rounds > 9) {
                throw new IllegalArgumentException("--rounds: " + rounds + " is not between 1 and 9");
            }
            return rounds;
        }

        private static int number(String flag, String text) {
            try {
                int value = Integer.parseInt(text.trim());
                if (value < 0) {
                    throw new IllegalArgumentException("--" + flag + ": must not be negative, got " + value);
                }
                return value;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + flag + ": '" + text + "' is not a whole number");
            }
        }

        private static double fraction(String flag, String text) {
            try {
                double value = Double.parseDouble(text.trim());
                if (!(value >= 0 && value <= 1)) {
                    throw new IllegalArgumentException("--" + flag + ": must be between 0 and 1, got " + text);
                }
                return value;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--" + flag + ": '" + text + "' is not a number");
            }
        }
    }
}
