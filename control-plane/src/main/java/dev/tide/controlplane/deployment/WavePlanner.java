package dev.tide.controlplane.deployment;

import java.util.ArrayList;
import java.util.List;

/** Splits the targeted nodes into waves: the canary wave first, then batches. Pure. */
public final class WavePlanner {
    private WavePlanner() {}

    /**
     * Waves of node names, in order. {@code nodes} must already be in a stable order.
     */
    public static List<List<String>> waves(List<String> nodes, Strategy strategy) {
        List<List<String>> waves = new ArrayList<>();
        int next = 0;
        int canary = Math.min(strategy.canary(), nodes.size());
        if (canary > 0) {
            waves.add(List.copyOf(nodes.subList(0, canary)));
            next = canary;
        }
        int batch = Math.max(1, strategy.batch().of(nodes.size()));
        while (next < nodes.size()) {
            int end = Math.min(nodes.size(), next + batch);
            waves.add(List.copyOf(nodes.subList(next, end)));
            next = end;
        }
        return waves;
    }
}
