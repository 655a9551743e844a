package dev.tide.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.proto.agent.v1.AppRelease;
import java.util.List;
import org.junit.jupiter.api.Test;

class DependencyOrderTests {
    private static AppRelease app(String name, String... deps) {
        return AppRelease.newBuilder()
                .setApplication(name)
                .addAllDependsOn(List.of(deps))
                .build();
    }

    @Test
    void putsEachApplicationAfterWhatItDependsOnEvenWhenGivenOutOfOrder() {
        DependencyOrder.Result r = DependencyOrder.sort(List.of(app("web", "api"), app("api", "db"), app("db")));

        assertThat(r.ordered()).extracting(AppRelease::getApplication).containsExactly("db", "api", "web");
        assertThat(r.cyclic()).isEmpty();
    }

    @Test
    void keepsTheGivenOrderAmongIndependentApplicationsAndIgnoresDependenciesOnOtherNodes() {
        DependencyOrder.Result r = DependencyOrder.sort(List.of(app("b", "elsewhere"), app("a"), app("c")));

        assertThat(r.ordered()).extracting(AppRelease::getApplication).containsExactly("b", "a", "c");
    }

    @Test
    void reportsACycleInsteadOfStartingIt() {
        DependencyOrder.Result r = DependencyOrder.sort(List.of(app("x", "y"), app("y", "x"), app("z")));

        assertThat(r.ordered()).extracting(AppRelease::getApplication).containsExactly("z");
        assertThat(r.cyclic()).extracting(AppRelease::getApplication).containsExactly("x", "y");
    }
}
