package dev.tide.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.bench.support.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The {@code tide-agent} launcher's class-data archive, with a real agent against a real control
 * plane: the first run of a jar writes the archive as it stops, the next start maps it, a killed
 * agent leaves no partial archive behind, and a new jar gets a new archive that replaces the old.
 */
class AgentLauncherE2eTests extends FleetTest {
    private static final Duration START = Duration.ofSeconds(60);
    private static final String STARTED = "started (node ";

    @Test
    void theLauncherKeepsOneClassDataArchivePerJarAndTheAgentStartsFromIt() throws Exception {
        fleet.environment("cds-pull", "PULL", true, 30);
        Path jar = Files.createDirectories(dir.resolve("cds-jar")).resolve("tide-agent.jar");
        Files.copy(Processes.AGENT_JAR, jar);

        // First run of this jar: nothing to map yet; the JVM writes the archive as it exits.
        AgentProcess first = fleet.launchedAgent("cds-pull", "cds-1", jar);
        awaitStarts(first, 1);
        Path archives = first.dataDir.resolve("cds");
        assertThat(jvmArguments(first)).anySatisfy(arg -> assertThat(arg).startsWith("-XX:ArchiveClassesAtExit="));
        first.close();
        List<Path> written = files(archives);
        assertThat(written).as("one archive, no partial file").hasSize(1);
        Path archive = written.get(0);
        assertThat(archive.getFileName().toString()).matches("agent-\\d+\\.jsa");

        // Started again: the agent JVM maps the archive.
        AgentProcess second = fleet.relaunch(first);
        awaitStarts(second, 2);
        assertThat(jvmArguments(second)).contains("-XX:SharedArchiveFile=" + archive);
        assertThat(Files.readString(Path.of("/proc/" + second.agentJvm().pid() + "/maps")))
                .as("the archive is mapped into the agent JVM")
                .contains(archive.toString());
        second.close();
        assertThat(files(archives)).containsExactly(archive);

        // A new jar (here: the same bytes with a new time, as an upgrade or a reinstall leaves it)
        // gets its own archive; an agent killed before it wrote one leaves the old one alone.
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(60)));
        AgentProcess killed = fleet.relaunch(second);
        awaitStarts(killed, 3);
        assertThat(jvmArguments(killed)).anySatisfy(arg -> assertThat(arg).startsWith("-XX:ArchiveClassesAtExit="));
        killed.agentJvm().destroyForcibly();
        assertThat(killed.waitForExit(30)).as("the launcher passes on the kill").isEqualTo(137);
        assertThat(files(archives)).as("no partial archive from the killed JVM").containsExactly(archive);

        AgentProcess third = fleet.relaunch(killed);
        awaitStarts(third, 4);
        third.close();
        List<Path> replaced = files(archives);
        assertThat(replaced).hasSize(1).doesNotContain(archive);
        assertThat(first.logTail()).doesNotContain("[warning][cds").doesNotContain(" ERROR ");
    }

    /** Waits until the agent's log (shared by its restarts) says it started {@code count} times. */
    private static void awaitStarts(AgentProcess agent, int count) {
        await().atMost(START)
                .failFast("the agent exited", () -> !agent.isAlive())
                .until(() -> Files.exists(agent.log)
                        && Files.readString(agent.log).split(java.util.regex.Pattern.quote(STARTED), -1).length - 1
                                >= count);
    }

    private static List<String> jvmArguments(AgentProcess agent) {
        ProcessHandle jvm = agent.agentJvm();
        assertThat(jvm.pid())
                .as("the launcher's agent JVM")
                .isNotEqualTo(agent.handle().pid());
        return jvm.info().arguments().map(List::of).orElseThrow();
    }

    private static List<Path> files(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        }
    }
}
