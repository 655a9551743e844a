package dev.tide.controlplane.delivery;

import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;

/**
 * Apply permits per environment: at most {@code pushMaxParallel} applies in flight, and the
 * sessions that found no free permit wait in line, first come first served. A changed limit
 * resizes the same permits in place.
 */
final class ApplyPermits {
    /** The limit of an environment not resized yet (the default pushMaxParallel). */
    static final int DEFAULT_SIZE = 50;

    /** Someone waiting in line for a permit. */
    interface Waiter {
        /**
         * Taken off the line after a permit came back: tries again. Returns true when the permit
         * is taken care of (it took one, or found none free and waits in line again), false when
         * it no longer wants one (it closed, or its agent caught up meanwhile), so that the next in
         * line is woken instead: a freed permit nobody takes must not end the line's wake-ups.
         */
        boolean permitFreed();
    }

    private final Map<String, Permits> environments = new ConcurrentHashMap<>();
    private final Executor wakeups;

    /**
     * @param wakeups runs the waiter woken by a release, so that it never runs inside the
     *     releasing session's lock
     */
    ApplyPermits(Executor wakeups) {
        this.wakeups = wakeups;
    }

    /** The permits of an environment, at {@link #DEFAULT_SIZE} until it is resized. */
    Permits of(String environment) {
        return environments.computeIfAbsent(environment, e -> new Permits(DEFAULT_SIZE, wakeups));
    }

    /** Follows a changed pushMaxParallel: the same permits, resized. */
    void resize(String environment, int size) {
        environments.compute(environment, (e, permits) -> {
            if (permits == null) {
                return new Permits(size, wakeups);
            }
            permits.resize(size);
            return permits;
        });
    }

    /** The apply permits of one environment and its line of waiting sessions. */
    static final class Permits {
        private final Free free;
        private final Queue<Waiter> waiting = new ConcurrentLinkedQueue<>();
        private final Executor wakeups;
        private int size;

        Permits(int size, Executor wakeups) {
            this.free = new Free(size);
            this.size = size;
            this.wakeups = wakeups;
        }

        boolean tryAcquire() {
            return free.tryAcquire();
        }

        /** Gives a permit back and lets the longest-waiting session try again. */
        void release() {
            free.release();
            wakeups.execute(this::wakeNext);
        }

        /** Queues a session that found no free permit; it is woken when one comes back. */
        void await(Waiter waiter) {
            waiting.add(waiter);
            // A permit released between the waiter's failed try and this line found nobody to
            // wake: without this, each such race would idle one permit for good.
            if (free.availablePermits() > 0) {
                wakeups.execute(this::wakeNext);
            }
        }

        private void wakeNext() {
            Waiter next;
            while ((next = waiting.poll()) != null) {
                if (next.permitFreed()) {
                    return;
                }
            }
        }

        /**
         * Grows or shrinks the limit in place, so that the applies in flight stay counted: a
         * smaller limit admits nothing new until enough of them finish (never old plus new). A
         * larger one wakes as many waiting sessions as it adds permits, at once.
         */
        synchronized void resize(int to) {
            if (to > size) {
                free.release(to - size);
                for (int i = 0; i < to - size; i++) {
                    wakeups.execute(this::wakeNext);
                }
            } else if (to < size) {
                free.reducePermits(size - to);
            }
            size = to;
        }
    }

    /** A semaphore whose permits can be taken away while they are held. */
    private static final class Free extends Semaphore {
        Free(int permits) {
            super(permits, true);
        }

        @Override
        protected void reducePermits(int reduction) {
            super.reducePermits(reduction);
        }
    }
}
