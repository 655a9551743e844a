package dev.tide.bench.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The control-plane jar running on its embedded PostgreSQL, started by its launcher
 * ({@code control-plane/src/main/dist/tide-control-plane}) as an operator starts it: unpacked, with
 * class-data sharing from a launch cache that every control plane of this checkout shares.
 */
public final class ControlPlaneProcess implements AutoCloseable {
    public static final String ADMIN_PASSWORD = "e2e-admin-password";

    public final Path dataDir;
    public final int httpPort;
    public final int grpcPort;
    public final Path log;
    private final List<String> jvmOptions = new ArrayList<>(List.of("-Xmx512m"));
    private final List<String> arguments = new ArrayList<>(List.of(
            "--tide.delivery.push-reconcile-interval=500ms",
            "--tide.deployments.tick=500ms",
            "--tide.delivery.report-flush-interval=50ms"));
    private final Map<String, String> environment = new java.util.HashMap<>();
    private Process process;

    /** The launcher, and the launch cache it keeps in the build output (removed by mvn clean). */
    static final Path LAUNCHER = Processes.ROOT.resolve("control-plane/src/main/dist/tide-control-plane");

    static final Path LAUNCH_CACHE = Processes.ROOT.resolve("control-plane/target/launch");
    private static boolean launchCacheReady;

    /** On free ports (tests). */
    public ControlPlaneProcess(Path dataDir) {
        this(dataDir, Processes.freePort(), Processes.freePort());
    }

    /**
     * On fixed ports: a benchmark that opens and closes thousands of connections leaves ephemeral
     * ports in TIME_WAIT, so a "free" port picked from that range may fail to bind a moment later.
     * Keep fixed ports below 32768.
     */
    public ControlPlaneProcess(Path dataDir, int httpPort, int grpcPort) {
        this.dataDir = dataDir;
        this.httpPort = httpPort;
        this.grpcPort = grpcPort;
        this.log = dataDir.resolve("control-plane.log");
    }

    /**
     * A benchmark's JVM options for the control plane: {@code -Xmx} with {@code heap}, then any in
     * {@code TIDE_BENCH_CONTROL_PLANE_OPTS} (e.g. {@code
     * -XX:StartFlightRecording=filename=cp.jfr,settings=profile} to profile a run).
     */
    public static List<String> benchJvmOptions(String heap) {
        List<String> options = new ArrayList<>(List.of("-Xmx" + heap));
        String more = System.getenv("TIDE_BENCH_CONTROL_PLANE_OPTS");
        if (more != null && !more.isBlank()) {
            options.addAll(List.of(more.trim().split("\\s+")));
        }
        return options;
    }

    /** Replaces the JVM options (default {@code -Xmx512m}); call before {@link #start()}. */
    public ControlPlaneProcess jvmOptions(List<String> options) {
        jvmOptions.clear();
        jvmOptions.addAll(options);
        return this;
    }

    /**
     * Drops the test-tuned timings (faster reconcile, tick and report flush) so the control plane
     * runs with the defaults an operator gets, as a benchmark must.
     */
    public ControlPlaneProcess withDefaultTimings() {
        arguments.clear();
        return this;
    }

    /** Adds Spring arguments ({@code --key=value}); later ones win. Call before {@link #start()}. */
    public ControlPlaneProcess arguments(List<String> more) {
        arguments.addAll(more);
        return this;
    }

    /**
     * Adds environment variables (e.g. another replica's {@code SPRING_DATASOURCE_URL} and {@code
     * TIDE_CLUSTER_REPLICA_ID}); call before {@link #start()}.
     */
    public ControlPlaneProcess environment(Map<String, String> more) {
        environment.putAll(more);
        return this;
    }

    /** Starts (or restarts after {@link #kill()}) on the same ports and data; returns once healthy. */
    public ControlPlaneProcess start() {
        return start(Duration.ofSeconds(120));
    }

    public ControlPlaneProcess start(Duration timeout) {
        prepareLaunchCache();
        launch(timeout);
        return this;
    }

    private void launch(Duration timeout) {
        List<String> command = new ArrayList<>();
        command.add(LAUNCHER.toString());
        command.add("--server.port=" + httpPort);
        command.add("--spring.grpc.server.port=" + grpcPort);
        command.addAll(arguments);
        process = Processes.start(
                command,
                log,
                withEnvironment(Map.of(
                        "TIDE_DATA_DIR", dataDir.resolve("cp").toString(),
                        "TIDE_ADMIN_PASSWORD", ADMIN_PASSWORD,
                        "JAVA_HOME", System.getProperty("java.home"),
                        "TIDE_CONTROL_PLANE_JAR", Processes.CONTROL_PLANE_JAR.toString(),
                        "TIDE_CONTROL_PLANE_JAVA_OPTS", String.join(" ", jvmOptions),
                        "TIDE_CONTROL_PLANE_CACHE_DIR", LAUNCH_CACHE.toString())));
        awaitHealthy(timeout);
    }

    /**
     * Makes sure the launch cache holds the class archive of the current jar before the first
     * control plane a test or benchmark measures: without it the launcher's first run is slower
     * and writes the archive at its stop, so one run would differ from the next. Starts one control
     * plane on a scratch data dir and stops it, once per build (the archive outlives this JVM).
     */
    private static synchronized void prepareLaunchCache() {
        if (launchCacheReady) {
            return;
        }
        // Test JVMs running side by side share the cache: one trains it, the others wait for it.
        try (FileChannel lockFile = FileChannel.open(
                        Files.createDirectories(LAUNCH_CACHE.getParent()).resolve("launch.lock"),
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
                FileLock lock = lockFile.lock()) {
            FileTime jar = Files.getLastModifiedTime(Processes.CONTROL_PLANE_JAR);
            boolean fresh = false;
            if (Files.isDirectory(LAUNCH_CACHE)) {
                try (Stream<Path> files = Files.list(LAUNCH_CACHE)) {
                    fresh = files.anyMatch(f -> f.getFileName().toString().endsWith(".jsa") && modifiedAfter(f, jar));
                }
            }
            if (!fresh) {
                Path scratch = Files.createTempDirectory("tide-launch-cache");
                ControlPlaneProcess training = new ControlPlaneProcess(scratch);
                try {
                    training.launch(Duration.ofMinutes(4));
                } finally {
                    Processes.stop(training.process, 300); // the JVM writes the archive as it exits
                }
                Processes.deleteTree(scratch);
            }
            launchCacheReady = true;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the control plane's launch cache", e);
        }
    }

    private static boolean modifiedAfter(Path file, FileTime time) {
        try {
            return Files.getLastModifiedTime(file).compareTo(time) > 0;
        } catch (IOException e) {
            return false;
        }
    }

    private Map<String, String> withEnvironment(Map<String, String> own) {
        Map<String, String> all = new java.util.HashMap<>(environment);
        all.putAll(own);
        return all;
    }

    /** Waits until /actuator/health answers 200; fails with the log's tail when it does not. */
    public void awaitHealthy(Duration timeout) {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("control plane exited:\n" + Processes.tail(log, 60));
            }
            try {
                HttpResponse<String> r = http.send(
                        HttpRequest.newBuilder(URI.create(base() + "/actuator/health"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            try {
                Thread.sleep(300);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        throw new IllegalStateException(
                "control plane not healthy within " + timeout + ":\n" + Processes.tail(log, 60));
    }

    /** Where the embedded PostgreSQL keeps its data (its server's {@code -D}). */
    public Path databaseDir() {
        return dataDir.resolve("cp").resolve("postgres");
    }

    public String base() {
        return "http://127.0.0.1:" + httpPort;
    }

    public String grpcTarget() {
        return "127.0.0.1:" + grpcPort;
    }

    public Api admin() {
        return new Api(base(), "admin", ADMIN_PASSWORD);
    }

    /** The launched process (the launcher, or the JVM it became), or null before start. */
    public Process process() {
        return process;
    }

    /**
     * The control plane's JVM, for its pid, CPU time and heap: the launched process itself, which
     * the launcher replaces with the JVM, or while the launcher writes the class archive, its child.
     */
    public ProcessHandle jvm() {
        ProcessHandle launched = process.toHandle();
        boolean isJava = launched.info().command().map(c -> c.endsWith("/java")).orElse(true);
        return isJava ? launched : launched.children().findFirst().orElse(launched);
    }

    /** Stops abruptly, as a crash would. */
    public void kill() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        Processes.stop(process, 30);
    }
}
