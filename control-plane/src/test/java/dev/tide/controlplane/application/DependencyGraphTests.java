package dev.tide.controlplane.application;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The dependency DAG without Spring: cycles, order, transitive dependencies. */
class DependencyGraphTests {

    @Test
    void acyclicGraphHasNoCycle() {
        DependencyGraph graph = new DependencyGraph(Map.of(
                "web", Set.of("api", "assets"),
                "api", Set.of("db"),
                "assets", Set.of(),
                "db", Set.of()));

        assertThat(graph.findCycle()).isEmpty();
    }

    @Test
    void cycleIsFoundAsAClosedPath() {
        DependencyGraph graph = new DependencyGraph(Map.of(
                "web", Set.of("api"),
                "api", Set.of("queue"),
                "queue", Set.of("worker"),
                "worker", Set.of("api"),
                "db", Set.of()));

        List<String> cycle = graph.findCycle().orElseThrow();

        assertThat(cycle).containsExactly("api", "queue", "worker", "api");
    }

    @Test
    void selfLoopIsACycle() {
        DependencyGraph graph = new DependencyGraph(Map.of("a", Set.of("a")));

        assertThat(graph.findCycle()).contains(List.of("a", "a"));
    }

    @Test
    void cycleOnlyReachableLaterIsFound() {
        DependencyGraph graph = new DependencyGraph(Map.of(
                "a", Set.of(),
                "b", Set.of("a"),
                "x", Set.of("y"),
                "y", Set.of("x")));

        assertThat(graph.findCycle()).contains(List.of("x", "y", "x"));
    }

    @Test
    void orderPutsDependenciesFirstAndBreaksTiesByName() {
        DependencyGraph graph = new DependencyGraph(Map.of(
                "web", Set.of("api", "assets"),
                "api", Set.of("db"),
                "assets", Set.of(),
                "db", Set.of(),
                "zeta", Set.of()));

        assertThat(graph.order(List.of("zeta", "web", "db", "assets", "api")))
                .containsExactly("db", "api", "assets", "web", "zeta");
    }

    @Test
    void orderHonoursDependenciesThroughApplicationsNotDeployed() {
        DependencyGraph graph = new DependencyGraph(Map.of(
                "a", Set.of("x"),
                "x", Set.of("b"),
                "b", Set.of()));

        assertThat(graph.order(List.of("a", "b"))).containsExactly("b", "a");
    }

    @Test
    void orderOfUnrelatedOrUnknownApplicationsIsByName() {
        DependencyGraph graph = new DependencyGraph(Map.of("c", Set.of()));

        assertThat(graph.order(Set.of("c", "b", "a"))).containsExactly("a", "b", "c");
    }

    @Test
    void dependenciesWithinAreTransitiveAndLimitedToTheGivenApplications() {
        DependencyGraph graph = new DependencyGraph(Map.of(
                "web", Set.of("api"),
                "api", Set.of("db", "cache"),
                "cache", Set.of(),
                "db", Set.of("disk"),
                "disk", Set.of()));

        assertThat(graph.dependenciesWithin("web", List.of("web", "db", "cache", "disk")))
                .containsExactly("cache", "db", "disk");
        assertThat(graph.dependenciesWithin("web", List.of("web"))).isEmpty();
        assertThat(graph.dependenciesWithin("disk", List.of("web", "db"))).isEmpty();
    }

    @Test
    void stagesPutEachApplicationOneAboveTheDeepestOfItsDependencies() {
        DependencyGraph graph = new DependencyGraph(Map.of(
                "web", Set.of("api", "assets"),
                "api", Set.of("db"),
                "assets", Set.of(),
                "db", Set.of(),
                "batch", Set.of()));

        assertThat(graph.stages(List.of("web", "api", "assets", "db", "batch")))
                .containsEntry("db", 0)
                .containsEntry("assets", 0)
                .containsEntry("batch", 0)
                .containsEntry("api", 1)
                .containsEntry("web", 2);
    }

    @Test
    void stagesFollowDependenciesThroughApplicationsOutsideTheDeployment() {
        DependencyGraph graph = new DependencyGraph(Map.of(
                "web", Set.of("api"),
                "api", Set.of("db"),
                "db", Set.of()));

        // api is not deployed, but web still depends on db through it.
        assertThat(graph.stages(List.of("web", "db"))).containsExactly(Map.entry("db", 0), Map.entry("web", 1));
        assertThat(graph.stages(List.of("web"))).containsExactly(Map.entry("web", 0));
    }
}
