package dev.tide.agent.apply;

import dev.tide.agent.supervise.WorkloadSpec;
import java.time.Duration;
import java.util.List;

/**
 * A release's health check with its placeholders resolved.
 *
 * @param kind what to probe
 * @param port HTTP or TCP port on 127.0.0.1
 * @param path HTTP path
 * @param argv command to run in the release folder
 * @param timeout how long the release may take to become healthy
 * @param app the application's process: a command runs in its folder, as its user, with its
 *     environment (never as the agent, which may be root, nor with the agent's environment)
 */
public record ResolvedHealthCheck(
        Kind kind, int port, String path, List<String> argv, Duration timeout, WorkloadSpec app) {
    /** NONE: healthy as soon as the process is running. */
    public enum Kind {
        HTTP,
        TCP,
        COMMAND,
        NONE
    }

    public ResolvedHealthCheck {
        argv = argv == null ? List.of() : List.copyOf(argv);
        path = path == null || path.isEmpty() ? "/" : path;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case HTTP -> "GET http://127.0.0.1:" + port + path;
            case TCP -> "TCP 127.0.0.1:" + port;
            case COMMAND -> "command " + argv;
            case NONE -> "process running";
        };
    }
}
