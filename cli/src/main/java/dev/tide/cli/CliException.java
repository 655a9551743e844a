package dev.tide.cli;

/** A problem to tell the user in one message, with the exit code it ends the command with. */
public class CliException extends RuntimeException {
    private final int exitCode;

    public CliException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    /** Bad input on the command line or in a file it names (exit 2). */
    public static CliException usage(String message) {
        return new CliException(ExitCode.USAGE, message);
    }

    /** Anything else that stops the command (exit 1). */
    public static CliException error(String message) {
        return new CliException(ExitCode.ERROR, message);
    }

    public int exitCode() {
        return exitCode;
    }
}
