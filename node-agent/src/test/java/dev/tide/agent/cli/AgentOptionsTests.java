package dev.tide.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.agent.AgentConfig;
import dev.tide.agent.HostPort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentOptionsTests {
    @TempDir
    Path dir;

    private static AgentConfig parse(Map<String, String> env, String... args) throws UsageException {
        return AgentOptions.parse(args, env).config();
    }

    @Test
    void aFlagWinsOverTheEnvironmentWhichWinsOverTheFile() throws Exception {
        Path file = Files.writeString(dir.resolve("agent.properties"), """
                control-plane=file-host:9090
                data-dir=/var/lib/tide-file
                name=from-file
                stop-grace=30s
                labels=zone=file,rack=file
                label.tier=file
                """);
        Map<String, String> env = Map.of(
                "TIDE_AGENT_CONFIG", file.toString(),
                "TIDE_AGENT_NAME", "from-env",
                "TIDE_AGENT_DATA_DIR", "/var/lib/tide-env",
                "TIDE_AGENT_LABELS", "rack=env,port=8081",
                "TIDE_AGENT_STOP_APPS_ON_EXIT", "true");

        AgentConfig config =
                parse(env, "--data-dir", "/var/lib/tide-flag", "--label", "port=9000", "--listen=0.0.0.0:7070");

        assertThat(config.controlPlane()).isEqualTo(new HostPort("file-host", 9090));
        assertThat(config.name()).isEqualTo("from-env");
        assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/tide-flag"));
        assertThat(config.stopGrace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.stopAppsOnExit()).isTrue();
        assertThat(config.listen()).isEqualTo(new HostPort("0.0.0.0", 7070));
        assertThat(config.labels())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("zone", "file", "tier", "file", "rack", "env", "port", "9000"));
    }

    @Test
    void defaultsAreSensible() throws Exception {
        AgentConfig config = parse(Map.of(), "--control-plane", "cp:9090", "--data-dir", "d");

        assertThat(config.stopGrace()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.checkInterval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.stopAppsOnExit()).isFalse();
        assertThat(config.listen()).isNull();
        assertThat(config.pushEndpoint()).isEmpty();
        assertThat(config.dataDir()).isAbsolute();
    }

    @Test
    void unpackLimitsDefaultToTheArtifactRelativeRuleAndTakeSizes() throws Exception {
        AgentConfig defaults = parse(Map.of(), "--control-plane", "cp:9090", "--data-dir", "d");
        AgentConfig set = parse(
                Map.of("TIDE_AGENT_UNPACK_MAX_ENTRIES", "5000"),
                "--control-plane",
                "cp:9090",
                "--data-dir",
                "d",
                "--unpack-max-size",
                "512MB");

        assertThat(defaults.unpackLimits()).isEqualTo(dev.tide.agent.apply.UnpackLimits.defaults());
        assertThat(set.unpackMaxBytes()).isEqualTo(512L << 20);
        assertThat(set.unpackMaxEntries()).isEqualTo(5000);
        assertThatThrownBy(() ->
                        parse(Map.of(), "--control-plane", "cp:1", "--data-dir", "d", "--unpack-max-size", "lots"))
                .hasMessage("--unpack-max-size: expected a size like 10MB, got 'lots'");
        assertThatThrownBy(
                        () -> parse(Map.of(), "--control-plane", "cp:1", "--data-dir", "d", "--unpack-max-size", "1KB"))
                .hasMessage("--unpack-max-size: must be at least 1MB");
    }

    @Test
    void badInputNamesTheFlag() {
        assertThatThrownBy(() -> parse(Map.of(), "--control-plane", "nohost", "--data-dir", "d"))
                .hasMessage("--control-plane: expected HOST:PORT, got 'nohost'");
        assertThatThrownBy(() -> parse(Map.of(), "--control-plane", "cp:1", "--data-dir", "d", "--stop-grace", "soon"))
                .hasMessageStartingWith("--stop-grace: expected a duration");
        assertThatThrownBy(() -> parse(Map.of(), "--control-plane", "cp:1", "--data-dir", "d", "--name", "Bad Name"))
                .hasMessageStartingWith("--name: must match");
        assertThatThrownBy(() -> parse(Map.of(), "--control-plane", "cp:1", "--data-dir", "d", "--label", "novalue"))
                .hasMessage("--label: expected KEY=VALUE, got 'novalue'");
        assertThatThrownBy(() -> parse(Map.of(), "--data-dir", "d"))
                .hasMessageStartingWith("--control-plane: required");
        assertThatThrownBy(() -> parse(Map.of(), "--control-plane"))
                .hasMessage("--control-plane: missing value HOST:PORT");
        assertThatThrownBy(() -> parse(Map.of("TIDE_AGENT_LISTEN", "x"), "--control-plane", "cp:1", "--data-dir", "d"))
                .hasMessageStartingWith("--listen:");
    }

    @Test
    void anUnknownSettingInTheConfigFileIsReported() throws Exception {
        Path file = Files.writeString(dir.resolve("a.properties"), "contol-plane=cp:1\n");

        assertThatThrownBy(() -> parse(Map.of(), "--config", file.toString()))
                .hasMessageContaining("unknown setting 'contol-plane'");
    }

    @Test
    void theCheckIntervalIsADurationOrZeroForOff() throws Exception {
        String[] base = {"--control-plane", "cp:9090", "--data-dir", "d"};
        assertThat(parse(Map.of("TIDE_AGENT_CHECK_INTERVAL", "500ms"), base).checkInterval())
                .isEqualTo(Duration.ofMillis(500));
        assertThat(parse(Map.of("TIDE_AGENT_CHECK_INTERVAL", "0"), base).checkInterval())
                .isZero();
        assertThatThrownBy(() -> parse(Map.of("TIDE_AGENT_CHECK_INTERVAL", "10ms"), base))
                .hasMessage("--check-interval: must be 0 (off) or at least 100ms");
    }
}
