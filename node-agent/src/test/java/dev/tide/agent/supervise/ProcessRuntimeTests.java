package dev.tide.agent.supervise;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.tide.agent.support.KillStartedProcesses;
import dev.tide.agent.support.TestApps;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Real processes: what an application inherits from the agent, and what stopping it leaves behind. */
@ExtendWith(KillStartedProcesses.class)
class ProcessRuntimeTests {
    private static final String PYTHON =
            Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";

    @TempDir
    Path dir;

    @Test
    void anAppGetsTheAllowListedVariablesAndItsOwnButNothingElseOfTheAgents() throws Exception {
        Map<String, String> agentEnv = Map.of(
                "PATH", System.getenv("PATH"),
                "HOME", "/home/agent",
                "LANG", "C.UTF-8",
                "LC_TIME", "en_GB.UTF-8",
                "TZ", "Europe/Paris",
                "TIDE_AGENT_ENROLL_TOKEN", "tide_enroll_secret",
                "TIDE_AGENT_CONTROL_PLANE", "cp:9090",
                "JAVA_TOOL_OPTIONS", "-Dagent.only=1",
                "AWS_SECRET_ACCESS_KEY", "agent-secret");
        ProcessRuntime runtime = new ProcessRuntime(Clock.systemUTC(), new ProcessLauncher(agentEnv));

        Workload app = runtime.start(spec(List.of("env"), Map.of("GREETING", "hi", "TZ", "UTC")));
        app.onExit().get();

        Map<String, String> seen = Files.readAllLines(dir.resolve("logs/stdout.log")).stream()
                .map(line -> line.split("=", 2))
                .collect(Collectors.toMap(kv -> kv[0], kv -> kv[1]));
        assertThat(seen)
                .containsOnlyKeys("PATH", "HOME", "LANG", "LC_TIME", "TZ", "GREETING")
                .containsEntry("HOME", "/home/agent")
                .containsEntry("TZ", "UTC") // the release wins over the agent
                .containsEntry("GREETING", "hi");
    }

    @Test
    void stoppingAnAppStopsTheChildrenItForkedAndFreesTheirPorts() throws Exception {
        int port = TestApps.freePort();
        ProcessRuntime runtime = new ProcessRuntime(Clock.systemUTC(), ProcessLauncher.system());
        Workload app = runtime.start(
                spec(List.of("sh", "-c", PYTHON + " -m http.server " + port + " --bind 127.0.0.1 & wait"), Map.of()));
        await().atMost(Duration.ofSeconds(20)).until(() -> listening(port));
        List<ProcessHandle> children =
                ProcessHandle.of(app.pid()).orElseThrow().descendants().toList();
        assertThat(children).isNotEmpty();

        app.stop(Duration.ofSeconds(5));

        assertThat(listening(port)).isFalse();
        assertThat(children).noneMatch(ProcessHandle::isAlive);
        assertThat(app.isAlive()).isFalse();
    }

    @Test
    void aChildThatIgnoresSigtermIsKilledAfterTheGrace() throws Exception {
        int port = TestApps.freePort();
        ProcessRuntime runtime = new ProcessRuntime(Clock.systemUTC(), ProcessLauncher.system());
        String stubborn = "trap '' TERM; exec " + PYTHON + " -m http.server " + port + " --bind 127.0.0.1";
        Workload app = runtime.start(spec(List.of("sh", "-c", "sh -c \"" + stubborn + "\" & wait"), Map.of()));
        await().atMost(Duration.ofSeconds(20)).until(() -> listening(port));
        List<ProcessHandle> children =
                ProcessHandle.of(app.pid()).orElseThrow().descendants().toList();

        app.stop(Duration.ofSeconds(1));

        assertThat(listening(port)).isFalse();
        assertThat(children).noneMatch(ProcessHandle::isAlive);
    }

    private WorkloadSpec spec(List<String> argv, Map<String, String> env) throws IOException {
        Path release = Files.createDirectories(dir.resolve("release"));
        return new WorkloadSpec(
                "app", "1", release, argv, env, dir.resolve("logs/stdout.log"), dir.resolve("logs/stderr.log"), null);
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
