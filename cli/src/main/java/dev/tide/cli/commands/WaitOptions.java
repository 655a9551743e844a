package dev.tide.cli.commands;

import dev.tide.cli.output.Printer;
import dev.tide.cli.watch.DeploymentWatcher;
import java.time.Duration;
import java.util.Locale;
import picocli.CommandLine;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/** {@code --wait [--timeout D]} for the deploy commands: follow the deployment to its end. */
final class WaitOptions {
    @Option(
            names = {"-w", "--wait"},
            description = {
                "Follow the deployment live until it ends (bars on a terminal, a line per change otherwise),"
                        + " print a summary, and exit by outcome: 0 SUCCEEDED, 3 FAILED, 4 ROLLED_BACK, 5 CANCELLED."
            })
    boolean wait;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "1h",
            converter = DurationConverter.class,
            description =
                    "With --wait: give up waiting after this long (exit 6), e.g. 90s, 30m, 2h (default ${DEFAULT-VALUE}).")
    Duration timeout;

    /** Follows {@code deployment} when asked to, else prints {@code done}; answers the exit code. */
    int finish(ApiCommand command, JsonNode deployment, String done) {
        Printer printer = command.printer();
        if (!wait) {
            printer.done(done, deployment);
            return 0;
        }
        var io = command.io();
        boolean json = printer.json();
        DeploymentWatcher.Outcome outcome = new DeploymentWatcher(
                        command.api(), io, json ? io.err() : io.out(), !json && io.terminal(), timeout)
                .follow(deployment);
        if (json) {
            printer.printJson(outcome.deployment());
        } else if (outcome.exitCode() != dev.tide.cli.ExitCode.TIMEOUT) {
            DeploymentWatcher.summary(outcome.deployment()).forEach(io.out()::println);
            io.out().flush();
        }
        return outcome.exitCode();
    }

    /** {@code 90s}, {@code 30m}, {@code 2h}, plain seconds, or ISO-8601 ({@code PT30M}). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            try {
                if (v.startsWith("pt")) {
                    return Duration.parse(value.trim());
                }
                if (v.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
                }
                char unit = v.charAt(v.length() - 1);
                String number = Character.isDigit(unit) ? v : v.substring(0, v.length() - 1);
                long n = Long.parseLong(number);
                return switch (unit) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    default -> {
                        if (!Character.isDigit(unit)) {
                            throw new CommandLine.TypeConversionException(
                                    "'" + value + "' is not a duration (90s, 30m, 2h)");
                        }
                        yield Duration.ofSeconds(n);
                    }
                };
            } catch (RuntimeException e) {
                if (e instanceof CommandLine.TypeConversionException t) {
                    throw t;
                }
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (90s, 30m, 2h)");
            }
        }
    }
}
