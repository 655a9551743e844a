package dev.tide.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class PercentilesTests {

    @Test
    void nearestRankOnAKnownList() {
        Percentiles p = Percentiles.of(List.of(50.0, 15.0, 40.0, 20.0, 35.0));

        assertThat(p).isEqualTo(new Percentiles(35.0, 50.0, 50.0));
    }

    @Test
    void ninetyNinthOfAHundredIsTheNinetyNinthValue() {
        List<Double> values =
                IntStream.rangeClosed(1, 100).mapToObj(i -> (double) i).toList();

        assertThat(Percentiles.of(values)).isEqualTo(new Percentiles(50.0, 99.0, 100.0));
    }

    @Test
    void evenCountTakesTheLowerMiddle() {
        assertThat(Percentiles.of(List.of(4.0, 1.0, 3.0, 2.0)).p50()).isEqualTo(2.0);
    }

    @Test
    void singleValueIsEveryPercentile() {
        assertThat(Percentiles.of(List.of(7.0))).isEqualTo(new Percentiles(7.0, 7.0, 7.0));
    }

    @Test
    void emptyIsNotMeasured() {
        Percentiles p = Percentiles.of(List.of());

        assertThat(p.p50()).isNaN();
        assertThat(p.p99()).isNaN();
        assertThat(p.max()).isNaN();
    }
}
