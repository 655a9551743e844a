package dev.tide.bench;

/**
 * Entry point of {@code ./tide bench}: the push-vs-pull comparison at fleet scale (see
 * docs/benchmarks.md). Exit codes: 0 done, 2 bad flags, 1 the bench itself failed.
 */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.println(HELP);
            return;
        }
        FleetBench.BenchOptions options;
        try {
            options = FleetBench.BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("tide bench: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            new FleetBench(options).run();
            System.exit(0);
        } catch (Exception e) {
            System.err.println("tide bench: failed: " + e);
            e.printStackTrace();
            System.exit(1);
        }
    }

    static final String HELP = """
            ./tide bench [--key=value ...]   push vs pull at fleet scale; writes the report

              --sizes=10,100,1000,10000     fleet sizes (up to 20,000)
              --modes=push,watch,interval30 push; watch (pull with long-poll); interval<N> (pull every N s, 5 s jitter)
              --out=docs/report             where the report, charts and CSV go
              --work=.tide/bench            logs and data of each run
              --per-worker=2500             simulated agents per worker JVM (open-file limit: 20,000 per process)
              --worker-heap=2g --control-plane-heap=2g
                                            more control-plane JVM flags: TIDE_BENCH_CONTROL_PLANE_OPTS
              --listen-base=20000           push listener of agent i on 127.0.0.1:(base+i); keep below 32768
              --http-port=18080 --grpc-port=19090   the control plane's ports (fixed, below 32768; replica i: base + i)
              --replicas=1                  control-plane replicas; with 2 or more they share one PostgreSQL the
                                            bench runs, agent i uses replica i mod N, and the kill takes one down
              --db-port=15432               that shared PostgreSQL's port (only with --replicas of 2 or more)
              --worker-pool=128             apply threads shared by a worker's agents
              --start-ms=10 --health-ms=50  simulated start and health-check time (each ±50 %)
              --failure-rate=0              share of simulated health checks that fail
              --idle-seconds=40             window for the idle control-plane cost
              --rounds=3                    measured upgrades per mode and size; each figure is their median
              --resume                      keep runs already in the CSV and do the rest
              --render-only                 only redraw the report from the CSV
              --no-floor                    skip the bare grpc-java floor
              --push-max-parallel=50        the push environment's pushMaxParallel (the control plane's default)
            """;
}
