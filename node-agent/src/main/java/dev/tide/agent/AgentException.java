package dev.tide.agent;

/**
 * The agent cannot start or keep running, for a reason a user can act on. The message is one
 * line meant for the terminal; the exit code follows the CLI's convention (2 for bad input).
 */
public class AgentException extends Exception {
    private final int exitCode;

    public AgentException(String message, int exitCode) {
        super(message);
        this.exitCode = exitCode;
    }

    public AgentException(String message, int exitCode, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
