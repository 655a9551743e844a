package dev.tide.bench.floor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The child JVMs that hold the floor's clients ({@link FloorClients}), at most {@code perWorker} each: a
 * connection costs a file descriptor at both ends, and one process may hold 20,000. Every path out ends
 * them: {@link #close}, a JVM shutdown hook, and the children themselves exit when their stdin (a pipe from
 * this JVM) closes, which the OS does when this JVM dies.
 */
final class FloorWorkers implements AutoCloseable {
    /** Child heap: 2,500 channels fit well within it. */
    private static final String HEAP = "-Xmx512m";
    /** Clients a child opens before waiting for them, so the server's accept backlog never overflows. */
    static final int CONNECT_BATCH = 200;

    /** One child JVM and the clients it holds. */
    record Worker(int id, int firstClient, int clients, Process process, Path log) {
        String describe() {
            return "floor worker " + id + " (clients " + firstClient + "–" + (firstClient + clients - 1) + ", pid "
                    + process.pid() + ")";
        }
    }

    private final List<Worker> workers = new ArrayList<>();
    private final Thread reaper = new Thread(this::destroyAll, "floor-workers-reaper");

    private FloorWorkers() {
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    /** {@code caFile}: the CA the clients trust for TLS; null for plaintext. */
    static FloorWorkers launch(
            int port, int clients, int perWorker, Duration timeout, Duration lifetime, Path logDir, Path caFile)
            throws IOException {
        FloorWorkers all = new FloorWorkers();
        try {
            String java =
                    Paths.get(System.getProperty("java.home"), "bin", "java").toString();
            for (int id = 0, first = 0; first < clients; id++, first += perWorker) {
                int count = Math.min(perWorker, clients - first);
                Path log = logDir.resolve("floor-n" + clients + "-worker" + id + ".log");
                List<String> command = List.of(
                        java,
                        HEAP,
                        // Small heaps on a shared 2-core machine: one GC thread per child, not one per core.
                        "-XX:+UseSerialGC",
                        "-cp",
                        System.getProperty("java.class.path"),
                        FloorClients.class.getName(),
                        "127.0.0.1",
                        Integer.toString(port),
                        Integer.toString(id),
                        Integer.toString(first),
                        Integer.toString(count),
                        Long.toString(timeout.toMillis()),
                        Long.toString(lifetime.toMillis()),
                        Integer.toString(CONNECT_BATCH),
                        caFile == null ? "-" : caFile.toString());
                Process process = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .start();
                all.workers.add(new Worker(id, first, count, process, log));
            }
            return all;
        } catch (IOException | RuntimeException e) {
            all.close();
            throw e;
        }
    }

    int size() {
        return workers.size();
    }

    /** Fails when a child has exited while it still had work: with its exit code and last log lines. */
    void check(String phase) {
        for (Worker worker : workers) {
            if (!worker.process().isAlive()) {
                throw new IllegalStateException(worker.describe() + " exited with code "
                        + worker.process().exitValue() + " during " + phase + "; last lines of " + worker.log()
                        + ":\n" + tail(worker.log(), 15));
            }
        }
    }

    /** Waits for the children to end after the server finished their streams; a child that has not is ended. */
    List<String> awaitExit(Duration timeout) throws InterruptedException {
        List<String> problems = new ArrayList<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Worker worker : workers) {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!worker.process().waitFor(left, TimeUnit.NANOSECONDS)) {
                problems.add(worker.describe() + " did not exit within " + timeout + "; killed");
                worker.process().destroyForcibly();
            } else if (worker.process().exitValue() != 0) {
                problems.add(worker.describe() + " exited with code "
                        + worker.process().exitValue() + "; see " + worker.log());
            }
        }
        return problems;
    }

    @Override
    public void close() {
        destroyAll();
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or ran: nothing left to undo.
        }
    }

    private void destroyAll() {
        for (Worker worker : workers) {
            closeQuietly(worker.process().getOutputStream());
            worker.process().destroyForcibly();
        }
        for (Worker worker : workers) {
            try {
                worker.process().waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void closeQuietly(OutputStream stdin) {
        try {
            stdin.close();
        } catch (IOException ignored) {
            // The child is being killed anyway.
        }
    }

    static String tail(Path log, int lines) {
        try {
            List<String> all = new String(Files.readAllBytes(log), StandardCharsets.UTF_8)
                    .lines()
                    .toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
