package dev.tide.bench.swarm;

import dev.tide.bench.support.Processes;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;

/**
 * Launches a swarm: K worker JVMs ({@link SwarmWorker}) of at most M simulated agents each, so no
 * process comes near the open-file limit (an agent costs up to three sockets in its worker: its
 * channel, its listener and the session the control plane opens).
 */
public final class Swarm implements AutoCloseable {
    /**
     * How to launch.
     *
     * @param agents how many agents in all
     * @param perWorker at most this many per JVM
     * @param workerHeap -Xmx of each worker, e.g. "1g"
     * @param settings worker flags without the leading dashes (control-plane: host:port, or several
     *     comma-separated to spread the agents over replicas; token, prefix,
     *     listen-base, start-ms, ...); {@code from} and {@code count} are set per worker
     */
    public record Plan(int agents, int perWorker, String workerHeap, Map<String, String> settings) {}

    /**
     * Bytes on the wire (as the agents counted them), worker threads, agents running, and the
     * milliseconds the workers have spent collecting garbage since they started (summed).
     */
    public record Stats(long sent, long received, int threads, int started, long gcMillis) {}

    private final List<Worker> workers = new ArrayList<>();

    private Swarm() {}

    /** Starts the workers; they enroll in the background (see {@link #awaitReady}). */
    public static Swarm launch(Plan plan, Path logDir) {
        Swarm swarm = new Swarm();
        try {
            int workersNeeded = (plan.agents() + plan.perWorker() - 1) / plan.perWorker();
            for (int w = 0; w < workersNeeded; w++) {
                int from = w * plan.perWorker();
                int count = Math.min(plan.perWorker(), plan.agents() - from);
                List<String> command = new ArrayList<>(List.of(
                        Processes.JAVA,
                        "-Xmx" + plan.workerHeap(),
                        // the whole heap from the start: the serial collector follows any young
                        // collection that had to grow the old generation with a full one, and a
                        // reconnect storm grew it step by step (full GCs at 230, 364, 455 MB)
                        "-Xms" + plan.workerHeap(),
                        // a young generation of an eighth of the heap, not a third: the serial
                        // collector's pauses grow with it, and at 2 GB they took 1-6.6 s each on
                        // shared cores, long enough for control-plane handshakes to time out
                        "-XX:NewRatio=7",
                        // no full collection when loaded classes cross the default 21 MB mark:
                        // at 2,500 agents one took 3.4 s just as the fleet had enrolled
                        "-XX:MetaspaceSize=256m",
                        "-Xss512k",
                        "-XX:+UseSerialGC",
                        // every collection with its cause, for when the worker's GC watch reports one
                        "-Xlog:gc:file=" + logDir.resolve("swarm-worker-" + w + "-gc.log") + ":utctime,uptime",
                        "-cp",
                        System.getProperty("java.class.path"),
                        SwarmWorker.class.getName()));
                plan.settings().forEach((k, v) -> command.add("--" + k + "=" + v));
                command.add("--from=" + from);
                command.add("--count=" + count);
                swarm.workers.add(new Worker(w, count, command, logDir.resolve("swarm-worker-" + w + ".log")));
            }
        } catch (RuntimeException e) {
            swarm.close();
            throw e;
        }
        return swarm;
    }

    /**
     * Waits until every worker has started its agents; {@code progress} hears the total about once
     * a second. Fails with the workers' reasons when an agent could not start or time runs out.
     */
    public int awaitReady(Duration timeout, IntConsumer progress) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int lastShown = -1;
        while (true) {
            int total = 0;
            boolean allReady = true;
            for (Worker w : workers) {
                w.drain();
                if (w.exited()) {
                    throw new IllegalStateException(
                            "swarm worker " + w.index + " exited:\n" + Processes.tail(w.log, 30));
                }
                total += w.started;
                allReady &= w.ready;
            }
            if (total != lastShown) {
                progress.accept(total);
                lastShown = total;
            }
            if (allReady) {
                List<String> failures =
                        workers.stream().flatMap(w -> w.failures.stream()).toList();
                int failed = workers.stream().mapToInt(w -> w.failed).sum();
                if (failed > 0) {
                    throw new IllegalStateException(failed + " simulated agents did not start, e.g.:\n"
                            + failures.stream().limit(5).collect(Collectors.joining("\n")));
                }
                return total;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("swarm not ready within " + timeout + ": " + total + " agents started");
            }
            TimeUnit.MILLISECONDS.sleep(250);
        }
    }

    /** Sums the workers' counters. */
    public Stats stats(Duration timeout) throws InterruptedException {
        long sent = 0;
        long received = 0;
        int threads = 0;
        int started = 0;
        long gcMillis = 0;
        for (Worker w : workers) {
            w.send("stats");
        }
        for (Worker w : workers) {
            String[] parts = w.await("stats ", timeout).split(" ");
            sent += Long.parseLong(parts[1]);
            received += Long.parseLong(parts[2]);
            threads += Integer.parseInt(parts[3]);
            started += Integer.parseInt(parts[4]);
            gcMillis += Long.parseLong(parts[5]);
        }
        return new Stats(sent, received, threads, started, gcMillis);
    }

    public int workerCount() {
        return workers.size();
    }

    /** Pids of the worker JVMs (to read their CPU time). */
    public List<ProcessHandle> processes() {
        return workers.stream().map(w -> w.process.toHandle()).toList();
    }

    @Override
    public void close() {
        for (Worker w : workers) {
            w.send("quit");
        }
        for (Worker w : workers) {
            try {
                if (!w.process.waitFor(60, TimeUnit.SECONDS)) {
                    w.process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                w.process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** One worker process: its protocol lines are queued, every line is kept in its log. */
    private static final class Worker {
        final int index;
        final int count;
        final Path log;
        final Process process;
        final PrintWriter stdin;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final List<String> failures = new ArrayList<>();
        int started;
        int failed;
        boolean ready;

        Worker(int index, int count, List<String> command, Path log) {
            this.index = index;
            this.count = count;
            this.log = log;
            try {
                Files.createDirectories(log.getParent());
                process = new ProcessBuilder(command).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new IllegalStateException("cannot start swarm worker: " + e.getMessage(), e);
            }
            stdin = new PrintWriter(
                    new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8)),
                    true);
            Thread reader = new Thread(this::read, "swarm-worker-" + index + "-out");
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader out = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                    BufferedWriter file = Files.newBufferedWriter(log, StandardCharsets.UTF_8)) {
                String line;
                while ((line = out.readLine()) != null) {
                    file.write(line);
                    file.newLine();
                    file.flush();
                    if (line.startsWith(SwarmWorker.PREFIX)) {
                        lines.add(line.substring(SwarmWorker.PREFIX.length()));
                    }
                }
            } catch (IOException e) {
                // the worker ended
            }
        }

        /** Applies queued progress lines. */
        void drain() {
            for (String line = lines.poll(); line != null; line = lines.poll()) {
                apply(line);
            }
        }

        private void apply(String line) {
            if (line.startsWith("progress ")) {
                started = Integer.parseInt(line.substring(9).trim());
            } else if (line.startsWith("fail ")) {
                failures.add(line.substring(5));
            } else if (line.startsWith("ready ")) {
                String[] parts = line.split(" ");
                started = Integer.parseInt(parts[1]);
                failed = Integer.parseInt(parts[2]);
                ready = true;
            }
        }

        /** The next line starting with {@code prefix}, applying the others on the way. */
        String await(String prefix, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (line == null) {
                    throw new IllegalStateException(
                            "swarm worker " + index + " did not answer '" + prefix.trim() + "' within " + timeout);
                }
                if (line.startsWith(prefix)) {
                    return line;
                }
                apply(line);
            }
        }

        boolean exited() {
            return !process.isAlive();
        }

        void send(String command) {
            if (process.isAlive()) {
                stdin.println(command);
            }
        }
    }
}
