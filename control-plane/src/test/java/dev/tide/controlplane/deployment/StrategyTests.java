package dev.tide.controlplane.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.InvalidInputException.FieldError;
import org.junit.jupiter.api.Test;

/** Strategy defaults, amounts and validation, without Spring. */
class StrategyTests {

    @Test
    void missingStrategyGetsDefaults() {
        Strategy s = Strategy.normalize(null);

        assertThat(s).isEqualTo(new Strategy("100%", 0, 0, "0", true, 300));
    }

    @Test
    void missingFieldsGetDefaultsAndGivenOnesAreKept() {
        Strategy s = Strategy.normalize(new Strategy(" 25 % ", 2, 30, "10%", false, null));

        assertThat(s).isEqualTo(new Strategy("25%", 2, 30, "10%", false, 300));
    }

    @Test
    void countsAndPercentagesParse() {
        Strategy s = Strategy.normalize(new Strategy("3", null, null, "2", null, null));

        assertThat(s.batch()).isEqualTo(new Strategy.Amount(3, false));
        assertThat(s.threshold()).isEqualTo(new Strategy.Amount(2, false));
        assertThat(Strategy.normalize(new Strategy("40%", null, null, "5%", null, null))
                        .threshold())
                .isEqualTo(new Strategy.Amount(5, true));
    }

    @Test
    void percentagesRoundUp() {
        Strategy.Amount quarter = new Strategy.Amount(25, true);

        assertThat(quarter.of(10)).isEqualTo(3);
        assertThat(quarter.of(4)).isEqualTo(1);
        assertThat(quarter.of(1)).isEqualTo(1);
        assertThat(quarter.of(0)).isZero();
        assertThat(new Strategy.Amount(7, false).of(100)).isEqualTo(7);
    }

    @Test
    void aPercentageAsALimitRoundsDownSoItNeverToleratesMoreThanAsked() {
        assertThat(new Strategy.Amount(1, true).atMost(10)).isZero();
        assertThat(new Strategy.Amount(50, true).atMost(3)).isEqualTo(1);
        assertThat(new Strategy.Amount(10, true).atMost(20)).isEqualTo(2);
        assertThat(new Strategy.Amount(100, true).atMost(7)).isEqualTo(7);
        assertThat(new Strategy.Amount(3, false).atMost(2)).isEqualTo(3);
    }

    @Test
    void batchSizeMustBeAPositiveCountOrPercentage() {
        assertInvalid(new Strategy("0", null, null, null, null, null), "strategy.batchSize");
        assertInvalid(new Strategy("0%", null, null, null, null, null), "strategy.batchSize");
        assertInvalid(new Strategy("101%", null, null, null, null, null), "strategy.batchSize");
        assertInvalid(new Strategy("half", null, null, null, null, null), "strategy.batchSize");
        assertInvalid(new Strategy("", null, null, null, null, null), "strategy.batchSize");
    }

    @Test
    void failureThresholdMayBeZeroButNotNegative() {
        assertThat(Strategy.normalize(new Strategy(null, null, null, "0%", null, null))
                        .failureThreshold())
                .isEqualTo("0%");
        assertInvalid(new Strategy(null, null, null, "-1", null, null), "strategy.failureThreshold");
        assertInvalid(new Strategy(null, null, null, "150%", null, null), "strategy.failureThreshold");
    }

    @Test
    void numbersOutOfRangeAreRefused() {
        assertInvalid(new Strategy(null, -1, null, null, null, null), "strategy.canary");
        assertInvalid(new Strategy(null, 10_001, null, null, null, null), "strategy.canary");
        assertInvalid(new Strategy(null, null, -1, null, null, null), "strategy.pauseSeconds");
        assertInvalid(new Strategy(null, null, 86_401, null, null, null), "strategy.pauseSeconds");
        assertInvalid(new Strategy(null, null, null, null, null, 4), "strategy.targetTimeoutSeconds");
    }

    @Test
    void everyInvalidFieldIsNamedAtOnce() {
        assertInvalid(
                new Strategy("x", -1, -1, "y", null, 1),
                "strategy.batchSize",
                "strategy.failureThreshold",
                "strategy.canary",
                "strategy.pauseSeconds",
                "strategy.targetTimeoutSeconds");
    }

    private static void assertInvalid(Strategy strategy, String... fields) {
        assertThatThrownBy(() -> Strategy.normalize(strategy))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                    assertThat(e.unprocessable()).isFalse();
                    assertThat(e.errors()).extracting(FieldError::field).containsExactlyInAnyOrder(fields);
                });
    }
}
