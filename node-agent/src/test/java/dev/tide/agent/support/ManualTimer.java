package dev.tide.agent.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A timer that only records: tasks run when the test says so, and every requested delay is kept, so
 * schedules and backoff are checked without waiting for them.
 */
public final class ManualTimer extends AbstractExecutorService implements ScheduledExecutorService {
    /** Every delay asked for, in order (zero delays included). */
    public final List<Duration> delays = new CopyOnWriteArrayList<>();

    private final List<Task> pending = new ArrayList<>();

    /** The non-zero delays: what a sleeping loop would have slept. */
    public List<Duration> waits() {
        return delays.stream().filter(d -> !d.isZero()).toList();
    }

    /** Runs the oldest pending task, waiting up to 10 s for one to be scheduled (callbacks are async). */
    public void runNext() throws Exception {
        Task next;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        synchronized (this) {
            while (pending.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TimeoutException("nothing was scheduled");
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
            next = pending.remove(0);
        }
        next.command.run();
    }

    public synchronized int pendingCount() {
        return pending.size();
    }

    @Override
    public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
        Task task = new Task(command, Duration.ofNanos(unit.toNanos(delay)));
        synchronized (this) {
            delays.add(task.delay);
            pending.add(task);
            notifyAll();
        }
        return task;
    }

    private final class Task implements ScheduledFuture<Object> {
        final Runnable command;
        final Duration delay;
        boolean cancelled;

        Task(Runnable command, Duration delay) {
            this.command = command;
            this.delay = delay;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(delay);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            synchronized (ManualTimer.this) {
                cancelled = pending.remove(this);
                return cancelled;
            }
        }

        @Override
        public boolean isCancelled() {
            return cancelled;
        }

        @Override
        public boolean isDone() {
            synchronized (ManualTimer.this) {
                return !pending.contains(this);
            }
        }

        @Override
        public Object get() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            throw new UnsupportedOperationException();
        }
    }

    @Override
    public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void execute(Runnable command) {
        schedule(command, 0, TimeUnit.NANOSECONDS);
    }

    @Override
    public void shutdown() {}

    @Override
    public List<Runnable> shutdownNow() {
        return List.of();
    }

    @Override
    public boolean isShutdown() {
        return false;
    }

    @Override
    public boolean isTerminated() {
        return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
        return true;
    }
}
