package dev.tide.agent.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.agent.support.KillStartedProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Real processes found through /proc by the mark their agent's data dir gave them. */
@EnabledOnOs(OS.LINUX)
@ExtendWith(KillStartedProcesses.class)
class OrphansTests {
    @TempDir
    Path dir;

    @Test
    void findsAndStopsOnlyTheUnsupervisedProcessesMarkedWithThisDataDir() throws Exception {
        Path dataDir = dir.resolve("agent");
        Process orphan =
                sleeper(Map.of(Orphans.OWNER, Orphans.owner(dataDir), "TIDE_APP", "web", "TIDE_VERSION", "1.0"));
        Process supervised = sleeper(Map.of(Orphans.OWNER, Orphans.owner(dataDir), "TIDE_APP", "api"));
        Process otherAgents = sleeper(Map.of(Orphans.OWNER, Orphans.owner(dir.resolve("agent-2"))));
        Process prefixOnly = sleeper(Map.of(Orphans.OWNER, Orphans.owner(dataDir) + "-old"));
        Process unmarked = sleeper(Map.of());

        Orphans orphans = Orphans.linux();
        List<Orphans.Orphan> found = orphans.find(dataDir, Set.of(supervised.pid()));

        assertThat(found).containsExactly(new Orphans.Orphan(orphan.pid(), "web", "1.0"));
        assertThat(orphans.stop(found, Duration.ofSeconds(5))).containsExactlyElementsOf(found);
        assertThat(orphan.isAlive()).isFalse();
        assertThat(List.of(supervised, otherAgents, prefixOnly, unmarked)).allMatch(Process::isAlive);
        assertThat(orphans.find(dataDir, Set.of(supervised.pid()))).isEmpty();
    }

    @Test
    void aProcessThatIgnoresSigtermIsKilledAfterTheGrace() throws Exception {
        Path dataDir = dir.resolve("agent");
        Process stubborn = start(
                List.of("sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"),
                Map.of(Orphans.OWNER, Orphans.owner(dataDir)));
        Orphans orphans = Orphans.linux();

        orphans.stop(orphans.find(dataDir, Set.of()), Duration.ofMillis(300));

        assertThat(stubborn.isAlive()).isFalse();
    }

    private Process sleeper(Map<String, String> env) throws Exception {
        return start(List.of("sleep", "60"), env);
    }

    private Process start(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        return pb.start();
    }
}
