package dev.tide.cli;

/**
 * The CLI's exit codes, documented in {@code tide --help} and docs/cli.md. Scripts branch on them,
 * so they never change meaning.
 */
public final class ExitCode {
    /** Done; for {@code --wait}, the deployment SUCCEEDED. */
    public static final int OK = 0;
    /** The control plane refused the request, could not be reached, or a local file could not be used. */
    public static final int ERROR = 1;
    /** The command line is wrong: unknown command or flag, missing or malformed argument. */
    public static final int USAGE = 2;
    /** The deployment ended FAILED. */
    public static final int FAILED = 3;
    /** The deployment ended ROLLED_BACK. */
    public static final int ROLLED_BACK = 4;
    /** The deployment ended CANCELLED. */
    public static final int CANCELLED = 5;
    /** {@code --wait} gave up after {@code --timeout}; the deployment goes on. */
    public static final int TIMEOUT = 6;

    /** The help footer that lists them. */
    static final String HELP = """
            Exit codes:
              0  done (with --wait: the deployment SUCCEEDED)
              1  error: the control plane refused or could not be reached; a file was unreadable
              2  usage: unknown command or flag, bad or missing argument
              3  the deployment FAILED
              4  the deployment was ROLLED_BACK
              5  the deployment was CANCELLED
              6  --wait timed out (the deployment goes on)""";

    private ExitCode() {}

    /** The exit code for a finished deployment's state. */
    public static int forDeploymentState(String state) {
        return switch (state) {
            case "SUCCEEDED" -> OK;
            case "FAILED" -> FAILED;
            case "ROLLED_BACK" -> ROLLED_BACK;
            case "CANCELLED" -> CANCELLED;
            default -> ERROR;
        };
    }
}
