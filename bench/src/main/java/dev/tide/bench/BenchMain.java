package dev.tide.bench;

/** Entry point of {@code ./tide bench}: the push-vs-pull comparison at fleet scale. */
public final class BenchMain {
    private BenchMain() {}

    public static void main(String[] args) {
        System.err.println("tide bench: not implemented yet");
        System.exit(2);
    }
}
