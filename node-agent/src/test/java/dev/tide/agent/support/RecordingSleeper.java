package dev.tide.agent.support;

import dev.tide.agent.transport.Sleeper;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records what the code under test wanted to sleep, and returns at once. */
public final class RecordingSleeper implements Sleeper {
    public final List<Duration> sleeps = new CopyOnWriteArrayList<>();

    @Override
    public boolean sleep(Duration duration) {
        sleeps.add(duration);
        return false;
    }

    @Override
    public void wake() {}
}
