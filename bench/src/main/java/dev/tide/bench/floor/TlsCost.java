package dev.tide.bench.floor;

import dev.tide.bench.report.Percentiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * What TLS costs the server, measured on the floor (bare grpc-java, the transport Tide runs on): N clients
 * connect and long-poll over plaintext, then over TLS, alternately, several times; the figures are medians.
 * The difference is what mutual TLS adds per agent connection and per poll on this machine.
 *
 * <p>{@code java -cp bench/target/tide-bench-all.jar dev.tide.bench.floor.TlsCost [n=1000] [repeats=3]}
 */
public final class TlsCost {
    private TlsCost() {}

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path logs = Files.createTempDirectory("tide-tls-cost-");
        List<Floor.Measured> plain = new ArrayList<>();
        List<Floor.Measured> tls = new ArrayList<>();
        List<Double> connectDelta = new ArrayList<>();
        List<Double> pollDelta = new ArrayList<>();
        // One pair first, not counted: the server JVM's JIT halves the cost over the first runs.
        for (boolean secure : new boolean[] {false, true}) {
            Floor.measure(
                    n, Floor.DEFAULT_PER_WORKER, Floor.DEFAULT_PAYLOAD_BYTES, 3, Duration.ofMinutes(2), logs, secure);
        }
        for (int i = 0; i < repeats; i++) {
            for (boolean secure : new boolean[] {false, true}) {
                Floor.Measured m = Floor.measure(
                        n,
                        Floor.DEFAULT_PER_WORKER,
                        Floor.DEFAULT_PAYLOAD_BYTES,
                        3,
                        Duration.ofMinutes(2),
                        logs,
                        secure);
                (secure ? tls : plain).add(m);
                System.out.printf(
                        Locale.ROOT,
                        "run %d %-9s: %6.1f us CPU per connection, %6.1f us CPU per poll; long-poll p50 %.2f ms, max %.2f ms%n",
                        i + 1,
                        secure ? "TLS" : "plaintext",
                        m.connectCpuMicros(),
                        m.pollCpuMicros(),
                        m.result().longPollP50Millis(),
                        m.result().longPollMaxMillis());
            }
            connectDelta.add(tls.get(i).connectCpuMicros() - plain.get(i).connectCpuMicros());
            pollDelta.add(tls.get(i).pollCpuMicros() - plain.get(i).pollCpuMicros());
        }
        System.out.printf(
                Locale.ROOT,
                "%nmedians of %d runs after a warm-up pair, n=%,d: per connection %.1f -> %.1f us"
                        + " (TLS adds %.1f us, median of the pairwise differences);"
                        + " per poll %.1f -> %.1f us (TLS adds %.1f us); long-poll max %.2f -> %.2f ms (logs in %s)%n",
                repeats,
                n,
                median(plain, Floor.Measured::connectCpuMicros),
                median(tls, Floor.Measured::connectCpuMicros),
                Percentiles.of(connectDelta).p50(),
                median(plain, Floor.Measured::pollCpuMicros),
                median(tls, Floor.Measured::pollCpuMicros),
                Percentiles.of(pollDelta).p50(),
                median(plain, m -> m.result().longPollMaxMillis()),
                median(tls, m -> m.result().longPollMaxMillis()),
                logs);
    }

    private static double median(List<Floor.Measured> runs, ToDoubleFunction<Floor.Measured> f) {
        return Percentiles.of(runs.stream().map(f::applyAsDouble).toList()).p50();
    }
}
