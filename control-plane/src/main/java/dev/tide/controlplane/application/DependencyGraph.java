package dev.tide.controlplane.application;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The application dependency DAG: {@code a -> b} means a depends on b (b must be healthy first).
 * Pure and deterministic (ties broken by name), so it is unit-tested without I/O.
 */
public final class DependencyGraph {
    private final Map<String, Set<String>> edges;

    public DependencyGraph(Map<String, ? extends Collection<String>> dependsOn) {
        Map<String, Set<String>> copy = new TreeMap<>();
        dependsOn.forEach((app, deps) -> copy.put(app, new TreeSet<>(deps)));
        this.edges = copy;
    }

    /** A cycle as a path that starts and ends with the same application, if there is one. */
    public Optional<List<String>> findCycle() {
        Map<String, Integer> color = new HashMap<>(); // absent = unvisited, 1 = on stack, 2 = done
        Deque<String> stack = new ArrayDeque<>();
        for (String start : edges.keySet()) {
            Optional<List<String>> cycle = visit(start, color, stack);
            if (cycle.isPresent()) {
                return cycle;
            }
        }
        return Optional.empty();
    }

    private Optional<List<String>> visit(String node, Map<String, Integer> color, Deque<String> stack) {
        Integer c = color.get(node);
        if (c != null && c == 2) {
            return Optional.empty();
        }
        if (c != null && c == 1) {
            List<String> path = new ArrayList<>();
            boolean inCycle = false;
            for (var it = stack.descendingIterator(); it.hasNext(); ) {
                String s = it.next();
                inCycle |= s.equals(node);
                if (inCycle) {
                    path.add(s);
                }
            }
            path.add(node);
            return Optional.of(path);
        }
        color.put(node, 1);
        stack.push(node);
        for (String dep : edges.getOrDefault(node, Set.of())) {
            Optional<List<String>> cycle = visit(dep, color, stack);
            if (cycle.isPresent()) {
                return cycle;
            }
        }
        stack.pop();
        color.put(node, 2);
        return Optional.empty();
    }

    /**
     * Orders {@code apps} so that every application comes after those of its (transitive)
     * dependencies that are also in {@code apps}. Requires an acyclic graph.
     */
    public List<String> order(Collection<String> apps) {
        Set<String> wanted = new TreeSet<>(apps);
        Set<String> placed = new LinkedHashSet<>();
        Set<String> visiting = new HashSet<>();
        for (String app : wanted) {
            place(app, wanted, placed, visiting);
        }
        return List.copyOf(placed);
    }

    private void place(String app, Set<String> wanted, Set<String> placed, Set<String> visiting) {
        if (placed.contains(app) || !visiting.add(app)) {
            return;
        }
        for (String dep : edges.getOrDefault(app, Set.of())) {
            place(dep, wanted, placed, visiting);
        }
        if (wanted.contains(app)) {
            placed.add(app);
        }
    }

    /**
     * The rollout stage of each of {@code apps}: 0 for one that depends on none of the others,
     * otherwise one more than the highest stage among those it depends on (directly or through
     * applications outside {@code apps}). Applications of one stage may roll together. Requires
     * an acyclic graph.
     */
    public Map<String, Integer> stages(Collection<String> apps) {
        Map<String, Integer> stage = new java.util.LinkedHashMap<>();
        for (String app : order(apps)) {
            int s = 0;
            for (String dep : dependenciesWithin(app, apps)) {
                s = Math.max(s, stage.get(dep) + 1);
            }
            stage.put(app, s);
        }
        return stage;
    }

    /** The applications in {@code apps} that {@code app} depends on, directly or through others. */
    public Set<String> dependenciesWithin(String app, Collection<String> apps) {
        Set<String> seen = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>(edges.getOrDefault(app, Set.of()));
        while (!todo.isEmpty()) {
            String next = todo.pop();
            if (seen.add(next)) {
                todo.addAll(edges.getOrDefault(next, Set.of()));
            }
        }
        seen.retainAll(new HashSet<>(apps));
        return seen;
    }
}
