package dev.tide.bench.report;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;

/** The order modes and runs appear in: push, watch, interval30, then any other mode by name; then by N. */
final class Modes {
    private static final List<String> KNOWN = List.of("push", "watch", "interval30");

    private Modes() {}

    static List<String> ordered(List<RunResult> runs) {
        LinkedHashSet<String> modes = new LinkedHashSet<>();
        runs.stream().map(RunResult::mode).sorted(Modes::compare).forEach(modes::add);
        return new ArrayList<>(modes);
    }

    static List<RunResult> sorted(List<RunResult> runs) {
        return runs.stream()
                .sorted(Comparator.<RunResult, String>comparing(RunResult::mode, Modes::compare)
                        .thenComparingInt(RunResult::nodes))
                .toList();
    }

    private static int compare(String a, String b) {
        int ia = KNOWN.indexOf(a);
        int ib = KNOWN.indexOf(b);
        if (ia >= 0 || ib >= 0) {
            return Integer.compare(ia < 0 ? KNOWN.size() : ia, ib < 0 ? KNOWN.size() : ib);
        }
        return a.compareTo(b);
    }
}
