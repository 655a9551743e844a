package dev.tide.agent.cli;

import dev.tide.agent.Agent;
import dev.tide.agent.AgentException;
import dev.tide.agent.upgrade.UpgradeFiles;
import java.io.PrintStream;
import java.util.Map;

/**
 * Entry point of {@code tide-agent.jar}: parses flags, environment and config file, then runs one
 * {@link Agent} until SIGTERM or Ctrl-C. Bad input exits with 2 and a one-line message.
 */
public final class AgentMain {
    private AgentMain() {}

    public static void main(String[] args) {
        AgentLogging.configure(System.getenv(), System.getProperties());
        int code = run(args, System.getenv(), System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Runs the agent in the foreground; returns the exit code. */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        AgentOptions.Parsed parsed;
        try {
            parsed = AgentOptions.parse(args, env);
        } catch (UsageException e) {
            err.println("tide-agent: " + e.getMessage());
            return 2;
        }
        if (parsed.help()) {
            out.print(Flag.usage());
            return 0;
        }
        Agent agent = new Agent(parsed.config());
        Thread hook = new Thread(agent::close, "tide-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            agent.start();
            agent.awaitClosed();
            return agent.restartRequested() ? UpgradeFiles.RESTART_EXIT_CODE : 0;
        } catch (AgentException e) {
            err.println("tide-agent: " + e.getMessage());
            return e.exitCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } finally {
            agent.close();
            removeHook(hook);
        }
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook is running
        }
    }
}
