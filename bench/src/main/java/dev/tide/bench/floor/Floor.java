package dev.tide.bench.floor;

import dev.tide.bench.floor.FloorProtocol.Kind;
import dev.tide.bench.report.FloorResult;
import dev.tide.bench.report.Percentiles;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntSupplier;
import java.util.function.ToDoubleFunction;

/**
 * The floor: what bare grpc-java does on this machine, so every Tide delivery figure can be given as a ratio
 * to it. One server in this JVM, N clients in child JVMs ({@link FloorClients}), each on its own loopback
 * connection. Two figures, each over warm-up rounds and then {@code rounds} measured rounds (medians):
 *
 * <ul>
 *   <li><b>stream fan-out</b>: every client holds an open server stream; at t0 the server sends one payload on
 *       all of them; t0 → each client's receipt.
 *   <li><b>long-poll answer</b>: every client has a unary call parked on the server; at t0 the server answers
 *       all of them; t0 → each client's response.
 * </ul>
 *
 * Times cross processes through {@code System.nanoTime}, which HotSpot reads from CLOCK_MONOTONIC on Linux:
 * one clock for all processes of the machine. Each client computes its own delay from the t0 in the payload.
 */
public final class Floor {
    /** Clients per child JVM by default: 2,500 connections stay far below the 20,000 open files of a process. */
    public static final int DEFAULT_PER_WORKER = 2_500;
    /** Payload by default: the size of a desired-state document. */
    public static final int DEFAULT_PAYLOAD_BYTES = 2_048;

    /**
     * Warm-up: rounds until about this many payloads went out (at least one round, at most {@link
     * #MAX_WARMUP_ROUNDS}), so that at small N the measured rounds do not run interpreted code.
     */
    private static final int WARMUP_PAYLOADS = 2_000;

    private static final int MAX_WARMUP_ROUNDS = 20;

    /** Pause after a round so its reports' replies and garbage do not spill into the next. */
    private static final Duration SETTLE = Duration.ofMillis(50);
    /** How often a wait looks at the children. */
    private static final long CHECK_MILLIS = 20;

    private final int n;
    private final int payloadBytes;
    private final Duration timeout;
    private final FloorServer server;
    private final FloorWorkers workers;
    private final PrintWriter log;

    private Floor(
            int n, int payloadBytes, Duration timeout, FloorServer server, FloorWorkers workers, PrintWriter log) {
        this.n = n;
        this.payloadBytes = payloadBytes;
        this.timeout = timeout;
        this.server = server;
        this.workers = workers;
        this.log = log;
    }

    /**
     * One measurement, with what it cost the server (this JVM) in CPU.
     *
     * @param connectCpuMicros server CPU per client while all clients connected and opened their stream
     * @param pollCpuMicros server CPU per client per measured long-poll round (the arming message, the parked
     *     call and its answer, and the client's receipt report)
     */
    public record Measured(FloorResult result, boolean tls, double connectCpuMicros, double pollCpuMicros) {}

    /** Measures both floors for n clients spread over child JVMs of at most perWorker clients; logs of the children go to logDir. */
    public static FloorResult measure(int n, int perWorker, int payloadBytes, int rounds, Duration timeout, Path logDir)
            throws Exception {
        return measure(n, perWorker, payloadBytes, rounds, timeout, logDir, false)
                .result();
    }

    /** The same over plaintext or over TLS (server certificate from a CA made here, one TLS context per client). */
    public static Measured measure(
            int n, int perWorker, int payloadBytes, int rounds, Duration timeout, Path logDir, boolean tls)
            throws Exception {
        if (n < 1 || perWorker < 1 || rounds < 1 || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("floor needs n, perWorker, rounds >= 1 and a positive timeout");
        }
        Files.createDirectories(logDir);
        int warmups = warmupRounds(n);
        // Connecting, every round, and the end each get one timeout: the children's streams may not outlive that.
        Duration lifetime = timeout.multipliedBy(2L * (warmups + rounds) + 3);
        Path serverLog = logDir.resolve("floor-n" + n + "-server.log");
        FloorTls keys = tls ? FloorTls.create(logDir) : null;
        try (PrintWriter log = new PrintWriter(
                        Files.newBufferedWriter(
                                serverLog,
                                StandardCharsets.UTF_8,
                                StandardOpenOption.CREATE,
                                StandardOpenOption.APPEND),
                        true);
                FloorServer server = FloorServer.start(n, keys == null ? null : keys.serverContext());
                FloorWorkers workers = FloorWorkers.launch(
                        server.port(), n, perWorker, timeout, lifetime, logDir, keys == null ? null : keys.caFile())) {
            Floor floor = new Floor(n, payloadBytes, timeout, server, workers, log);
            return floor.run(warmups, rounds, tls);
        } catch (RuntimeException e) {
            throw new IllegalStateException("floor at n=" + n + ": " + e.getMessage() + " (logs in " + logDir + ")", e);
        }
    }

    private Measured run(int warmups, int rounds, boolean tls) throws InterruptedException {
        long start = System.nanoTime();
        log("n=%d: %d child JVMs, server on 127.0.0.1:%d%s", n, workers.size(), server.port(), tls ? " (TLS)" : "");
        ProcessCpu cpu = ProcessCpu.now();
        await("connecting", server::subscribed, "streams open");
        double connectCpuMicros = ProcessCpu.now().since(cpu) / 1e3 / n;
        log(
                "n=%d: all streams open in %,d ms",
                n, Duration.ofNanos(System.nanoTime() - start).toMillis());
        List<Percentiles> stream = new ArrayList<>();
        List<Percentiles> poll = new ArrayList<>();
        for (int round = 0; round < warmups + rounds; round++) {
            stream.add(streamRound(round, round < warmups));
        }
        long pollCpu = 0;
        for (int round = 0; round < warmups + rounds; round++) {
            ProcessCpu before = ProcessCpu.now();
            poll.add(longPollRound(round, round < warmups));
            if (round >= warmups) {
                pollCpu += ProcessCpu.now().since(before); // the settle pause at the end of a round costs no CPU
            }
        }
        server.finish();
        workers.awaitExit(timeout).forEach(problem -> log("warning: %s", problem));
        // The warm-up rounds ran the JITs and the connections' buffers in; they are not counted.
        List<Percentiles> measuredStream = stream.subList(warmups, stream.size());
        List<Percentiles> measuredPoll = poll.subList(warmups, poll.size());
        FloorResult result = new FloorResult(
                n,
                median(measuredStream, Percentiles::p50),
                median(measuredStream, Percentiles::max),
                median(measuredPoll, Percentiles::p50),
                median(measuredPoll, Percentiles::max));
        double pollCpuMicros = pollCpu / 1e3 / rounds / n;
        log(
                "n=%d: %s; server CPU %.1f us per connection, %.1f us per client per poll round",
                n, result, connectCpuMicros, pollCpuMicros);
        return new Measured(result, tls, connectCpuMicros, pollCpuMicros);
    }

    private Percentiles streamRound(int round, boolean warmup) throws InterruptedException {
        byte[] frame = FloorProtocol.frame(FloorProtocol.DATA, round, payloadBytes);
        long t0 = System.nanoTime();
        server.broadcast(FloorProtocol.stamp(frame, t0));
        long sent = System.nanoTime() - t0;
        return collect(Kind.STREAM, round, warmup, sent);
    }

    private Percentiles longPollRound(int round, boolean warmup) throws InterruptedException {
        server.broadcast(FloorProtocol.frame(FloorProtocol.ARM, round, 0));
        await("long-poll round " + round, () -> server.parked(round), "calls parked");
        byte[] frame = FloorProtocol.frame(FloorProtocol.DATA, round, payloadBytes);
        long t0 = System.nanoTime();
        server.answer(round, FloorProtocol.stamp(frame, t0));
        long sent = System.nanoTime() - t0;
        return collect(Kind.POLL, round, warmup, sent);
    }

    /** Waits for the round's reports; {@code sendNanos} is how long the server's sending loop took, for the log. */
    private Percentiles collect(Kind kind, int round, boolean warmup, long sendNanos) throws InterruptedException {
        String phase = (kind == Kind.STREAM ? "stream fan-out" : "long-poll answer") + " round " + round;
        FloorServer.Tally tally = server.tally(kind, round);
        await(phase, tally::filled, "clients reported receipt");
        long[] delays = tally.delaysNanos();
        if (Arrays.stream(delays).anyMatch(d -> d < 0)) {
            throw new IllegalStateException(phase + ": a client received before t0; System.nanoTime is not one"
                    + " clock across processes on this machine, so these figures cannot be taken here");
        }
        List<Double> millis = Arrays.stream(delays).mapToObj(d -> d / 1e6).toList();
        Percentiles p = Percentiles.of(millis);
        log(
                "n=%d: %s: p50 %.2f ms, p99 %.2f ms, max %.2f ms; server's send loop %.2f ms%s",
                n, phase, p.p50(), p.p99(), p.max(), sendNanos / 1e6, warmup ? " (warm-up)" : "");
        Thread.sleep(SETTLE.toMillis());
        return p;
    }

    /** Waits until {@code progress} reaches n, failing on timeout or when a child JVM dies. */
    private void await(String phase, IntSupplier progress, String what) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (progress.getAsInt() < n) {
            workers.check(phase);
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException(String.format(
                        Locale.ROOT, "%s: %,d of %,d %s within %s", phase, progress.getAsInt(), n, what, timeout));
            }
            server.await(
                    () -> progress.getAsInt() >= n,
                    Math.min(CHECK_MILLIS, Duration.ofNanos(left).toMillis()));
        }
    }

    static int warmupRounds(int n) {
        return Math.min(MAX_WARMUP_ROUNDS, Math.max(1, (WARMUP_PAYLOADS + n - 1) / n));
    }

    private static double median(List<Percentiles> rounds, ToDoubleFunction<Percentiles> f) {
        return Percentiles.of(rounds.stream().map(p -> f.applyAsDouble(p)).toList())
                .p50();
    }

    private void log(String format, Object... args) {
        log.println(Instant.now() + " " + String.format(Locale.ROOT, format, args));
    }

    /** {@code Floor n [rounds] [logDir]}: measures the floor alone and prints it. */
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: Floor n [rounds=5] [logDir]");
            System.exit(2);
        }
        int n = Integer.parseInt(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path logDir = args.length > 2 ? Path.of(args[2]) : Files.createTempDirectory("tide-floor-");
        long start = System.nanoTime();
        FloorResult r = measure(n, DEFAULT_PER_WORKER, DEFAULT_PAYLOAD_BYTES, rounds, Duration.ofMinutes(2), logDir);
        System.out.printf(
                Locale.ROOT,
                "floor n=%,d (%d rounds, %,d-byte payload): stream fan-out p50 %.2f ms, max %.2f ms;"
                        + " long-poll answer p50 %.2f ms, max %.2f ms (took %,d s; logs in %s)%n",
                r.nodes(),
                rounds,
                DEFAULT_PAYLOAD_BYTES,
                r.streamP50Millis(),
                r.streamMaxMillis(),
                r.longPollP50Millis(),
                r.longPollMaxMillis(),
                Duration.ofNanos(System.nanoTime() - start).toSeconds(),
                logDir);
    }
}
