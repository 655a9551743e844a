package dev.tide.bench.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Launching the real jars, and the places they live. */
public final class Processes {
    public static final Path ROOT = root();
    public static final Path CONTROL_PLANE_JAR = ROOT.resolve("control-plane/target/tide-control-plane.jar");
    public static final Path AGENT_JAR = ROOT.resolve("node-agent/target/tide-agent.jar");
    public static final Path HELLO = ROOT.resolve("deploy/examples/hello/Hello.java");
    public static final String JAVA =
            Paths.get(System.getProperty("java.home"), "bin", "java").toString();

    private Processes() {}

    /** The repository root: -Dtide.root, else the working directory or its parent. */
    private static Path root() {
        String configured = System.getProperty("tide.root");
        if (configured != null) {
            return Paths.get(configured).toAbsolutePath().normalize();
        }
        Path cwd = Paths.get("").toAbsolutePath();
        return Files.isDirectory(cwd.resolve("control-plane")) ? cwd : cwd.getParent();
    }

    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /**
     * A port free now and never handed out before in this JVM, below the ephemeral range (32768
     * and up, where the OS picks ports for outgoing connections: under a fleet's connection churn
     * such a port can be taken before the process it is meant for binds it), and away from the
     * bench's own fixed ports (18080, 19090, push listeners from 20000) and those of {@code
     * ReplicatedBenchTests} (17xxx): from 25000 to 32000, or this fork's share of that range.
     */
    public static int freePort() {
        java.util.random.RandomGenerator random = java.util.concurrent.ThreadLocalRandom.current();
        int from = PORTS_FROM + PORTS_PER_FORK * (FORK - 1);
        for (int attempt = 0; attempt < 1000; attempt++) {
            int port = from + random.nextInt(PORTS_PER_FORK);
            if (!HANDED_OUT.contains(port) && bindable(port) && HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no free port found between " + from + " and " + (from + PORTS_PER_FORK));
    }

    private static final int PORTS_FROM = 25_000;

    /**
     * Test JVMs that run side by side (surefire's forks: {@code -Dtide.test.fork=1..n} of {@code
     * -Dtide.test.forks=n}) each hand out ports from their own share of the range, so one fork
     * never picks a port another has handed out but not bound yet.
     */
    private static final int FORKS = Integer.getInteger("tide.test.forks", 1);

    private static final int FORK = Math.max(1, Math.min(FORKS, Integer.getInteger("tide.test.fork", 1)));
    private static final int PORTS_PER_FORK = 7_000 / Math.max(1, FORKS);

    private static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new java.net.InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static Process start(List<String> command, Path log, java.util.Map<String, String> env) {
        try {
            Files.createDirectories(log.getParent());
            ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().putAll(env);
            return pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + command, e);
        }
    }

    /** SIGTERM, then SIGKILL after the grace period; children too. */
    public static void stop(Process p, long graceSeconds) {
        if (p == null || !p.isAlive()) {
            return;
        }
        p.destroy();
        try {
            if (!p.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Deletes a folder and everything in it; nothing when it does not exist. */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    public static String tail(Path log, int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
