package dev.tide.agent.exec;

import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The threads an agent runs on. A daemon gets its own (one thread for applies, one timer); a swarm
 * hands every agent the same pool and timer, so thousands of agents need a few dozen threads, not
 * a few per agent.
 *
 * @param pool runs applies and supervision, one agent's tasks at a time; null for a thread of its own
 * @param timer runs every delayed task (poll rounds, report batching, restarts); null for its own
 */
public record AgentExecutors(Executor pool, ScheduledExecutorService timer) {
    /** Each agent starts its own apply thread and timer thread. */
    public static AgentExecutors perAgent() {
        return new AgentExecutors(null, null);
    }

    /** Every agent given these shares {@code pool} and {@code timer}; the caller shuts them down. */
    public static AgentExecutors shared(Executor pool, ScheduledExecutorService timer) {
        if (pool == null || timer == null) {
            throw new IllegalArgumentException("a shared pool and timer are both required");
        }
        return new AgentExecutors(pool, timer);
    }
}
