package dev.tide.agent.apply;

import dev.tide.proto.agent.v1.AppRelease;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Orders a node's applications so each comes after what it depends on. The control plane already
 * sends them in that order; this keeps the agent correct if it did not. Stable: the given order
 * wins among independent applications. Dependencies not on this node are ignored.
 */
public final class DependencyOrder {
    private DependencyOrder() {}

    /** Applications in start order, and those caught in a cycle (never started). */
    public record Result(List<AppRelease> ordered, List<AppRelease> cyclic) {}

    public static Result sort(List<AppRelease> apps) {
        Map<String, AppRelease> byName = new LinkedHashMap<>();
        apps.forEach(a -> byName.putIfAbsent(a.getApplication(), a));
        List<AppRelease> ordered = new ArrayList<>();
        Set<String> placed = new HashSet<>();
        boolean progress = true;
        while (progress && placed.size() < byName.size()) {
            progress = false;
            for (AppRelease app : byName.values()) {
                if (!placed.contains(app.getApplication()) && ready(app, byName, placed)) {
                    ordered.add(app);
                    placed.add(app.getApplication());
                    progress = true;
                    break; // restart from the top to keep the given order stable
                }
            }
        }
        List<AppRelease> cyclic = byName.values().stream()
                .filter(a -> !placed.contains(a.getApplication()))
                .toList();
        return new Result(List.copyOf(ordered), cyclic);
    }

    private static boolean ready(AppRelease app, Map<String, AppRelease> byName, Set<String> placed) {
        for (String dep : app.getDependsOnList()) {
            if (byName.containsKey(dep) && !placed.contains(dep) && !dep.equals(app.getApplication())) {
                return false;
            }
            if (dep.equals(app.getApplication())) {
                return false;
            }
        }
        return true;
    }
}
