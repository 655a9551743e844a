package dev.tide.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.agent.support.FakeControlPlane;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AgentMainTests {
    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return AgentMain.run(
                args,
                Map.of(),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void anUnknownFlagExitsWithTwoAndOneLineNamingIt() {
        assertThat(run("--control-plane", "cp:9090", "--bogus")).isEqualTo(2);
        assertThat(err()).isEqualTo("tide-agent: unknown flag --bogus (see --help)" + System.lineSeparator());
    }

    @Test
    void aBadValueExitsWithTwoNamingTheFlag() {
        assertThat(run("--control-plane", "cp:99999", "--data-dir", dir.toString()))
                .isEqualTo(2);
        assertThat(err())
                .startsWith("tide-agent: --control-plane: ")
                .doesNotContain("Exception")
                .hasLineCount(1);
    }

    @Test
    void aFirstStartWithoutTokenExitsWithTwo() {
        assertThat(run("--control-plane", "127.0.0.1:1", "--data-dir", dir.toString(), "--name", "n1"))
                .isEqualTo(2);
        assertThat(err()).startsWith("tide-agent: --enroll-token: required").hasLineCount(1);
    }

    @Test
    void helpListsEveryFlag() {
        assertThat(run("--help")).isZero();
        String help = out.toString(StandardCharsets.UTF_8);
        for (Flag flag : Flag.ALL) {
            assertThat(help).contains(flag.flag());
        }
        assertThat(help).contains("TIDE_AGENT_");
    }

    @Test
    void aTokenWithoutTheCaFingerprintIsBadInput() {
        int code = run(
                "--control-plane",
                "127.0.0.1:1",
                "--data-dir",
                dir.toString(),
                "--name",
                "n1",
                "--enroll-token",
                "tide_enroll_abc");

        assertThat(code).isEqualTo(2);
        assertThat(err())
                .startsWith("tide-agent: --enroll-token: must end with '.' and the control plane's CA fingerprint")
                .hasLineCount(1);
    }

    @Test
    void aRefusedEnrollmentExitsNonZeroWithTheReason() throws Exception {
        try (FakeControlPlane cp = new FakeControlPlane()) {
            cp.refuseEnrollment();

            int code = run(
                    "--control-plane",
                    cp.address().toString(),
                    "--data-dir",
                    dir.toString(),
                    "--name",
                    "n1",
                    "--enroll-token",
                    FakeControlPlane.ENROLL_TOKEN);

            assertThat(code).isEqualTo(1);
            assertThat(err())
                    .startsWith("tide-agent: enrollment refused by the control plane (PERMISSION_DENIED)")
                    .hasLineCount(1);
        }
    }
}
