package dev.tide.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line itself, without a control plane: help, completion, and mistakes. */
class CliUsageTests {
    @TempDir
    Path home;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @Test
    void everyCommandHasHelp() {
        CommandLine cli = TideCli.commandLine(io(Map.of()));
        java.util.List<String> missing = new java.util.ArrayList<>();
        walk(cli, missing);
        assertThat(missing).isEmpty();
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("Exit codes:", "deploy", "completion");
    }

    @Test
    void completionForBashKnowsTheCommands() {
        assertThat(run("completion", "bash")).isZero();
        assertThat(out.toString()).contains("complete -F", "deploy", "rollback");
    }

    @Test
    void anUnknownCommandOrFlagIsAUsageErrorWithASuggestion() {
        assertThat(run("deploy", "creat")).isEqualTo(ExitCode.USAGE);
        assertThat(err.toString()).contains("tide: ", "creat", "Did you mean", "create", "tide deploy --help");
    }

    @Test
    void aGroupWithoutSubcommandNamesThem() {
        assertThat(run("env")).isEqualTo(ExitCode.USAGE);
        assertThat(err.toString()).contains("'tide env' needs a subcommand: list, show, create, mode, settings");
    }

    @Test
    void withoutALoginTheUserIsToldHowToLogIn() {
        assertThat(run("env", "list")).isEqualTo(ExitCode.USAGE);
        assertThat(err.toString()).contains("not logged in: run 'tide login URL' first");
    }

    @Test
    void anUnreachableControlPlaneIsNamedWithoutAStackTrace() {
        assertThat(run("env", "list", "--url", "http://127.0.0.1:1")).isEqualTo(ExitCode.ERROR);
        assertThat(err.toString())
                .contains("cannot reach the control plane at http://127.0.0.1:1")
                .doesNotContain("\tat ");
    }

    @Test
    void aMalformedUrlOrDurationIsAUsageError() {
        assertThat(run("env", "list", "--url", "ftp://x")).isEqualTo(ExitCode.USAGE);
        assertThat(err.toString()).contains("'ftp://x' is not an http(s) URL");
        assertThat(run("deploy", "show", "x", "--wait", "--timeout", "soon")).isEqualTo(ExitCode.USAGE);
        assertThat(err.toString()).contains("'soon' is not a duration");
    }

    private void walk(CommandLine cmd, java.util.List<String> missing) {
        if (!cmd.getCommandSpec().mixinStandardHelpOptions()
                && !cmd.getCommandName().equals("help")) {
            missing.add(cmd.getCommandSpec().qualifiedName());
        }
        cmd.getSubcommands().values().forEach(sub -> walk(sub, missing));
    }

    private int run(String... args) {
        return TideCli.run(io(Map.of("HOME", home.toString())), args);
    }

    private Io io(Map<String, String> env) {
        return new Io(
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                InputStream.nullInputStream(),
                env,
                false,
                Clock.systemUTC(),
                ZoneOffset.UTC);
    }
}
