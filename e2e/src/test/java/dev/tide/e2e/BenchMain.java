package dev.tide.e2e;

/** How the benchmarks end: a stack trace and exit code 1 on failure, and never a hang on open gRPC threads. */
final class BenchMain {
    /** A benchmark body. */
    interface Body {
        void run(String[] args) throws Exception;
    }

    private BenchMain() {}

    static void run(String[] args, Body body) {
        int status = 0;
        try {
            body.run(args);
        } catch (Throwable t) {
            t.printStackTrace();
            status = 1;
        }
        System.exit(status);
    }
}
