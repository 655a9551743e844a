package dev.tide.agent.exec;

import java.util.List;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One agent's view of a timer that many agents share: it schedules on the shared timer, and
 * shutting it down cancels only this agent's pending tasks and refuses new ones, so a closed agent
 * leaves nothing behind on the shared thread.
 */
public final class ScopedScheduler extends AbstractExecutorService implements ScheduledExecutorService {
    private final ScheduledExecutorService shared;
    private final Set<ScheduledFuture<?>> pending = ConcurrentHashMap.newKeySet();
    private volatile boolean shutdown;

    public ScopedScheduler(ScheduledExecutorService shared) {
        this.shared = shared;
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        return track(() -> shared.schedule(command, delay, unit), true);
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        return track(() -> shared.schedule(callable, delay, unit), true);
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        return track(() -> shared.scheduleAtFixedRate(command, initialDelay, period, unit), false);
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        return track(() -> shared.scheduleWithFixedDelay(command, initialDelay, delay, unit), false);
    }

    private interface Scheduling<F> {
        F schedule();
    }

    private <F extends ScheduledFuture<?>> F track(Scheduling<F> scheduling, boolean oneShot) {
        if (shutdown) {
            throw new RejectedExecutionException("agent timer is shut down");
        }
        F future = scheduling.schedule();
        pending.add(future);
        if (oneShot) {
            pending.removeIf(ScheduledFuture::isDone); // keeps the set small without a callback per task
        }
        if (shutdown) {
            future.cancel(false);
        }
        return future;
    }

    /** Tasks still tracked (pending, or finished and not yet swept). */
    int trackedCount() {
        return pending.size();
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.MILLISECONDS);
    }

    @Override
    public void shutdown() {
        shutdown = true;
        pending.forEach(f -> f.cancel(false));
        pending.clear();
    }

    @Override
    public List<Runnable> shutdownNow() {
        shutdown();
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return shutdown;
    }

    @Override
    public boolean isTerminated() {
        return shutdown;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
    }
}
