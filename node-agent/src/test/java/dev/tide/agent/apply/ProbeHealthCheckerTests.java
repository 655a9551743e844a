package dev.tide.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProbeHealthCheckerTests {
    @Test
    void probesStartCloseTogetherAndSpaceOutToATenthOfASecond() {
        List<Long> intervals = new ArrayList<>();
        Duration d = Duration.ofMillis(10);
        for (int i = 0; i < 8; i++) {
            intervals.add(d.toMillis());
            d = ProbeHealthChecker.nextInterval(d);
        }

        assertThat(intervals).containsExactly(10L, 20L, 40L, 80L, 100L, 100L, 100L, 100L);
    }
}
