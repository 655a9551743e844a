package dev.tide.e2e;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test class whose tests share one real control plane, started before the first and stopped,
 * with every agent and application it started, after the last.
 */
abstract class FleetTest {
    @TempDir
    static Path dir;

    static Fleet fleet;

    @BeforeAll
    static void startControlPlane() {
        fleet = new Fleet(dir);
    }

    @AfterAll
    static void stopControlPlane() {
        if (fleet != null) {
            fleet.close();
            fleet = null;
        }
    }
}
