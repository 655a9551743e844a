package dev.tide.controlplane.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Splitting nodes into waves, without Spring. */
class WavePlannerTests {
    private static final List<String> FIVE = List.of("n1", "n2", "n3", "n4", "n5");

    @Test
    void defaultStrategyIsOneWaveOfAllNodes() {
        assertThat(WavePlanner.waves(FIVE, Strategy.normalize(null))).containsExactly(FIVE);
    }

    @Test
    void canaryWaveComesFirstThenBatches() {
        Strategy strategy = Strategy.normalize(new Strategy("2", 1, null, null, null, null));

        assertThat(WavePlanner.waves(FIVE, strategy))
                .containsExactly(List.of("n1"), List.of("n2", "n3"), List.of("n4", "n5"));
    }

    @Test
    void percentageBatchesAreOfAllTargetedNodesRoundedUp() {
        Strategy half = Strategy.normalize(new Strategy("50%", null, null, null, null, null));
        Strategy tenPercent = Strategy.normalize(new Strategy("10%", null, null, null, null, null));
        Strategy halfAfterCanaries = Strategy.normalize(new Strategy("50%", 2, null, null, null, null));

        assertThat(WavePlanner.waves(List.of("a", "b", "c", "d"), half))
                .containsExactly(List.of("a", "b"), List.of("c", "d"));
        assertThat(WavePlanner.waves(List.of("a", "b", "c"), tenPercent))
                .containsExactly(List.of("a"), List.of("b"), List.of("c"));
        assertThat(WavePlanner.waves(nodes(10), halfAfterCanaries))
                .extracting(List::size)
                .containsExactly(2, 5, 3);
    }

    @Test
    void canaryLargerThanTheFleetIsOneWave() {
        Strategy strategy = Strategy.normalize(new Strategy("1", 10, null, null, null, null));

        assertThat(WavePlanner.waves(List.of("a", "b", "c"), strategy)).containsExactly(List.of("a", "b", "c"));
    }

    @Test
    void batchLargerThanTheFleetIsOneWave() {
        Strategy strategy = Strategy.normalize(new Strategy("50", null, null, null, null, null));

        assertThat(WavePlanner.waves(FIVE, strategy)).containsExactly(FIVE);
    }

    @Test
    void noNodesNoWaves() {
        assertThat(WavePlanner.waves(List.of(), Strategy.normalize(null))).isEmpty();
    }

    @Test
    void everyNodeIsInExactlyOneWaveInOrder() {
        List<String> nodes = nodes(103);
        Strategy strategy = Strategy.normalize(new Strategy("7%", 3, null, null, null, null));

        List<List<String>> waves = WavePlanner.waves(nodes, strategy);

        assertThat(waves.stream().flatMap(List::stream).toList()).isEqualTo(nodes);
        assertThat(waves.get(0)).hasSize(3);
        assertThat(waves.subList(1, waves.size() - 1)).allMatch(w -> w.size() == 8);
    }

    private static List<String> nodes(int n) {
        return IntStream.rangeClosed(1, n)
                .mapToObj(i -> String.format("n%03d", i))
                .toList();
    }
}
