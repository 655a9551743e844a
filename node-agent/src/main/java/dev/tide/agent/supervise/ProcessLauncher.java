package dev.tide.agent.supervise;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Builds an application's processes (its start command and a command health check): argv without
 * a shell, in the release folder, as the release's user, with an environment made only of an
 * allow-list of the agent's variables plus the release's own. Nothing else of the agent's
 * environment reaches an application: not its {@code TIDE_AGENT_*} settings (the enrollment
 * token), not {@code JAVA_TOOL_OPTIONS}, not the proxies or credentials the agent was given.
 */
public final class ProcessLauncher {
    /** Copied from the agent's environment when set, as is every {@code LC_*} variable. */
    public static final List<String> INHERITED =
            List.of("PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR");

    private final Map<String, String> agentEnv;

    public ProcessLauncher(Map<String, String> agentEnv) {
        this.agentEnv = Map.copyOf(agentEnv);
    }

    /** Inherits from this JVM's environment. */
    public static ProcessLauncher system() {
        return new ProcessLauncher(System.getenv());
    }

    /** A process for {@code argv} running as {@code app} runs: same folder, user and environment. */
    public ProcessBuilder builder(List<String> argv, WorkloadSpec app) {
        List<String> command = new ArrayList<>();
        AppUser user = app.user();
        if (user != null) {
            // setpriv execs the app in place (same pid), with the user's groups; never a shell.
            command.addAll(List.of("setpriv", "--reuid=" + user.uid(), "--regid=" + user.gid(), "--init-groups", "--"));
        }
        command.addAll(argv);
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(app.workDir().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().clear();
        pb.environment().putAll(environment(app));
        return pb;
    }

    /** The environment of {@code app}'s processes. */
    public Map<String, String> environment(WorkloadSpec app) {
        Map<String, String> env = new TreeMap<>();
        agentEnv.forEach((name, value) -> {
            if (inherited(name)) {
                env.put(name, value);
            }
        });
        AppUser user = app.user();
        if (user != null) {
            env.put("HOME", user.home());
            env.put("USER", user.name());
            env.put("LOGNAME", user.name());
        }
        env.putAll(app.env());
        return env;
    }

    static boolean inherited(String name) {
        return !name.startsWith("TIDE_AGENT_") && (INHERITED.contains(name) || name.startsWith("LC_"));
    }
}
