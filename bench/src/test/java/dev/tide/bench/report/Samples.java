package dev.tide.bench.report;

import java.util.List;

/** Made-up results covering the awkward cases: a failed run, NaN and -1 values, quotes and commas. */
final class Samples {
    static final String FAILURE = "swarm: 9,412 of 10,000 agents connected after PT5M; \"push\" sessions refused:\n"
            + "  io.grpc.StatusRuntimeException: UNAVAILABLE | too many open files ``` (see agents-3.log)";

    private Samples() {}

    static List<RunResult> runs() {
        return List.of(
                run("push", 10, 12.5),
                run("push", 100, 20.1),
                run("push", 1_000, 75.0),
                failed("push", 10_000),
                run("watch", 10, 8.0),
                run("watch", 100, 9.5),
                run("watch", 1_000, 41.0),
                run("watch", 10_000, 380.0),
                run("interval30", 10, 14_000),
                run("interval30", 1_000, 29_000),
                notMeasured("interval30", 100));
    }

    static List<FloorResult> floors() {
        return List.of(
                new FloorResult(10, 0.4, 0.9, 0.5, 1.1),
                new FloorResult(100, 1.5, 4.2, 2.0, 5.0),
                new FloorResult(1_000, 9.0, 31.0, 12.0, 40.0),
                new FloorResult(10_000, 95.0, 310.0, 120.0, 450.0));
    }

    static RunResult run(String mode, int nodes, double deliveredMs) {
        return run(mode, nodes, deliveredMs, 1);
    }

    /** The same, measured with {@code replicas} control-plane replicas. */
    static RunResult run(String mode, int nodes, double deliveredMs, int replicas) {
        return new RunResult(
                mode,
                nodes,
                true,
                "",
                nodes / 50.0,
                deliveredMs / 100 + 2,
                new Percentiles(deliveredMs / 2, deliveredMs * 0.9, deliveredMs),
                new Percentiles(deliveredMs, deliveredMs * 1.5, deliveredMs * 2),
                new Percentiles(deliveredMs + 500, deliveredMs + 900, deliveredMs + 1_200),
                1.25,
                deliveredMs / 3,
                4.5,
                0.05 * nodes,
                35.5,
                mode.equals("push") ? 0.4 : 3.5,
                123.4,
                40 + nodes / 100,
                nodes + 3,
                nodes * 2.5,
                nodes * 7L,
                nodes * 2_500L,
                3.2,
                deliveredMs / 10,
                replicas);
    }

    static RunResult failed(String mode, int nodes) {
        return new RunResult(
                mode,
                nodes,
                false,
                FAILURE,
                301.0,
                Double.NaN,
                Percentiles.none(),
                Percentiles.none(),
                Percentiles.none(),
                Double.NaN,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                2.0,
                800.0,
                250,
                9_412,
                Double.NaN,
                -1,
                -1,
                Double.NaN,
                Double.NaN,
                1);
    }

    /** Completed, but most figures were not taken. */
    static RunResult notMeasured(String mode, int nodes) {
        RunResult base = run(mode, nodes, 20_000);
        return new RunResult(
                mode,
                nodes,
                true,
                "",
                base.enrollSeconds(),
                base.deploySeconds(),
                new Percentiles(Double.NaN, 21_000, Double.NaN),
                base.applied(),
                base.healthy(),
                Double.NaN,
                Double.NaN,
                Double.NaN,
                base.cpuSeconds(),
                base.cpuPercentOfCore(),
                Double.NaN,
                Double.NaN,
                -1,
                -1,
                base.rpcsPerSecond(),
                -1,
                base.wireBytes(),
                Double.NaN,
                Double.NaN,
                base.replicas());
    }
}
