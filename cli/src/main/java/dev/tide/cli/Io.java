package dev.tide.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.ZoneId;
import java.util.Map;

/**
 * What the CLI reads from and writes to besides the control plane, so tests run it in-process: the
 * streams, the environment variables, whether stdout is a terminal, and the clock.
 *
 * @param terminal stdout is an interactive terminal: live progress redraws in place with ANSI codes
 */
public record Io(
        PrintWriter out,
        PrintWriter err,
        InputStream in,
        Map<String, String> env,
        boolean terminal,
        Clock clock,
        ZoneId zone) {

    /** The process's own: System.out/err/in, the real environment, a terminal when there is a console. */
    public static Io system() {
        boolean terminal = System.console() != null && !"dumb".equals(System.getenv("TERM"));
        return new Io(
                new PrintWriter(System.out, true),
                new PrintWriter(System.err, true),
                System.in,
                System.getenv(),
                terminal,
                Clock.systemUTC(),
                ZoneId.systemDefault());
    }

    public String env(String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value;
    }

    /** The user's home directory: {@code HOME}, else the JVM's idea of it. */
    public Path home() {
        String home = env("HOME");
        return Path.of(home != null ? home : System.getProperty("user.home"));
    }

    /** A relative path as the user meant it: against the working directory. */
    public Path path(String name) {
        return Path.of(name).toAbsolutePath().normalize();
    }
}
