package dev.tide.agent.exec;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs one agent's tasks one at a time, in order, on a pool that may be shared by many agents (a
 * swarm runs thousands of agents on a few dozen threads). Shutting it down affects only this
 * agent's tasks: {@link #shutdownNow()} drops the queue and interrupts the task that runs.
 */
public final class SerialExecutor extends AbstractExecutorService {
    private final Executor pool;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean running;
    private boolean shutdown;
    private Thread runner;

    public SerialExecutor(Executor pool) {
        this.pool = pool;
    }

    @Override
    public void execute(Runnable task) {
        boolean start;
        synchronized (this) {
            if (shutdown) {
                throw new RejectedExecutionException("agent executor is shut down");
            }
            queue.add(task);
            start = !running;
            running = true;
        }
        if (start) {
            try {
                pool.execute(this::drain);
            } catch (RejectedExecutionException e) {
                synchronized (this) {
                    running = false;
                    queue.clear();
                    notifyAll();
                }
                throw e;
            }
        }
    }

    /** Runs queued tasks; yields the pool thread after a batch so other agents get their turn. */
    private void drain() {
        for (int done = 0; done < 64; done++) {
            Runnable next;
            synchronized (this) {
                next = queue.poll();
                if (next == null) {
                    running = false;
                    runner = null;
                    notifyAll();
                    return;
                }
                runner = Thread.currentThread();
            }
            try {
                next.run();
            } finally {
                synchronized (this) {
                    runner = null;
                }
                Thread.interrupted(); // an interrupt meant for this agent's task stops with it
            }
        }
        try {
            pool.execute(this::drain);
        } catch (RejectedExecutionException e) {
            synchronized (this) {
                running = false;
                queue.clear();
                notifyAll();
            }
        }
    }

    @Override
    public synchronized void shutdown() {
        shutdown = true;
        if (!running) {
            notifyAll();
        }
    }

    @Override
    public List<Runnable> shutdownNow() {
        synchronized (this) {
            shutdown = true;
            List<Runnable> dropped = new ArrayList<>(queue);
            queue.clear();
            if (runner != null) {
                runner.interrupt();
            }
            return dropped;
        }
    }

    @Override
    public synchronized boolean isShutdown() {
        return shutdown;
    }

    @Override
    public synchronized boolean isTerminated() {
        return shutdown && !running;
    }

    @Override
    public synchronized boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        while (!(shutdown && !running)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
        return true;
    }
}
