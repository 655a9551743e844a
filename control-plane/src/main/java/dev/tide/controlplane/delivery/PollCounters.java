package dev.tide.controlplane.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code tide.agent.polls}: desired-state polls answered, by kind ({@code interval}: answered at
 * once; {@code watch}: a long-poll, possibly held) and outcome ({@code changed}: a new desired
 * state went out; {@code unchanged}). The share of unchanged interval polls is what pulling on a
 * timer costs; a watch abandoned by its agent is never answered and not counted. The four
 * counters are built once, not looked up per poll.
 */
final class PollCounters {
    private final Counter[][] counters = new Counter[2][2];

    PollCounters(MeterRegistry meters) {
        String[] kinds = {"interval", "watch"};
        String[] outcomes = {"unchanged", "changed"};
        for (int k = 0; k < 2; k++) {
            for (int o = 0; o < 2; o++) {
                counters[k][o] = Counter.builder("tide.agent.polls")
                        .description("Desired-state polls answered, by kind and outcome")
                        .tag("kind", kinds[k])
                        .tag("outcome", outcomes[o])
                        .register(meters);
            }
        }
    }

    void answered(boolean watch, boolean changed) {
        counters[watch ? 1 : 0][changed ? 1 : 0].increment();
    }
}
