package dev.tide.agent.cli;

/** Bad command-line, environment or config-file input; the message names the flag. Exit code 2. */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
