package dev.tide.agent.transport;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/** Sleeps on a condition so that {@link #wake()} can end the wait. */
final class SystemSleeper implements Sleeper {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition woken = lock.newCondition();
    private boolean wakeRequested;

    @Override
    public boolean sleep(Duration duration) throws InterruptedException {
        lock.lock();
        try {
            long nanos = duration.toNanos();
            while (!wakeRequested && nanos > 0) {
                nanos = woken.awaitNanos(nanos);
            }
            boolean wasWoken = wakeRequested;
            wakeRequested = false;
            return wasWoken;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void wake() {
        lock.lock();
        try {
            wakeRequested = true;
            woken.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
