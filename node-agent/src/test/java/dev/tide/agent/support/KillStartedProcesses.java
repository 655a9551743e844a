package dev.tide.agent.support;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Kills every process the test JVM started (the apps the agents ran), after each test and even
 * when it failed. Runs after the test's own {@code @AfterEach}, which closes the agents.
 */
public final class KillStartedProcesses implements AfterEachCallback, AfterAllCallback {
    @Override
    public void afterEach(ExtensionContext context) {
        killAll();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        killAll();
    }

    public static void killAll() {
        ProcessHandle.current().descendants().forEach(p -> {
            p.destroyForcibly();
            p.onExit()
                    .orTimeout(5, java.util.concurrent.TimeUnit.SECONDS)
                    .exceptionally(t -> null)
                    .join();
        });
    }
}
