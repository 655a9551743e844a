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
 * @param env variables added to the agent's own environment
 * @param stdout file stdout is appended to
 * @param stderr file stderr is appended to
 */
public record WorkloadSpec(
        String app,
        String version,
        Path workDir,
        List<String> argv,
        Map<String, String> env,
        Path stdout,
        Path stderr) {
    public WorkloadSpec {
        argv = List.copyOf(argv);
        env = Map.copyOf(env);
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("empty start command");
        }
    }
}
