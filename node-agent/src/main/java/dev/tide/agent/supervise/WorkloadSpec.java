package dev.tide.agent.supervise;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How to start one application's process.
 *
 * @param app application name
 * @param version release version
 * @param workDir working directory (the release folder)
 * @param argv program and arguments, run without a shell
 * @param env the release's variables; the process gets these and an allow-list of the agent's own
 *     ({@link ProcessLauncher})
 * @param stdout file stdout is appended to
 * @param stderr file stderr is appended to
 * @param user who the process runs as; null for the agent's own user
 */
public record WorkloadSpec(
        String app,
        String version,
        Path workDir,
        List<String> argv,
        Map<String, String> env,
        Path stdout,
        Path stderr,
        AppUser user) {
    public WorkloadSpec {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty start command");
        }
    }
}
