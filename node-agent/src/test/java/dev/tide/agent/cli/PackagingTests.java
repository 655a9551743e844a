package dev.tide.agent.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.google.gson.Gson;
import dev.tide.agent.AgentConfig;
import dev.tide.agent.HostPort;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The agent as docker-compose.yml, its image, the systemd unit and the launchers start it, checked
 * against the agent's own option parser: every flag and {@code TIDE_AGENT_*} variable is one it
 * reads, the push port and data directory are where the image and the volumes expect them, and the
 * JVM flags are the same everywhere. The control plane's side is checked in its module ({@code
 * DeploymentFilesTests}).
 */
class PackagingTests {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final String IMAGE_JAR = "/opt/tide/tide-agent.jar";
    private static final String LAUNCHER = "/opt/tide/bin/tide-agent";
    private static final Pattern COMPOSE_VARIABLE = Pattern.compile("\\$\\{([A-Z0-9_]+)(:-[^}]*)?}");

    @Test
    void composeAgentsStartWithFlagsAndVariablesTheAgentReads() throws Exception {
        Map<String, Map<String, Object>> agents = agentServices();
        assertThat(agents)
                .as("compose services built from deploy/docker/agent.Dockerfile")
                .hasSizeGreaterThan(1);
        Set<String> tokenVariables = new HashSet<>();
        Set<String> known = agentVariables();
        for (var entry : agents.entrySet()) {
            String service = entry.getKey();
            Map<String, Object> spec = entry.getValue();
            Map<String, String> env = new LinkedHashMap<>();
            map(spec, "environment").forEach((name, value) -> {
                assertThat(name)
                        .as("service %s sets %s, which the agent does not read", service, name)
                        .isIn(known);
                env.put(name, expand(String.valueOf(value), service, tokenVariables));
            });
            List<String> args = new ArrayList<>(afterLauncher(imageEntrypoint(), "agent.Dockerfile ENTRYPOINT"));
            args.addAll(PackagingTests.<List<String>>cast(spec.getOrDefault("command", List.of())));

            AgentConfig config = parse(args, env, "service " + service);

            assertThat(config.listen())
                    .as("service %s: push listener on the agent's port", service)
                    .isEqualTo(new HostPort("0.0.0.0", AgentConfig.PUSH_PORT));
            assertThat(config.advertise())
                    .as(
                            "service %s: --advertise is the address the control plane dials on the compose network",
                            service)
                    .isEqualTo(new HostPort(service, AgentConfig.PUSH_PORT));
            assertThat(PackagingTests.<List<Object>>cast(spec.get("volumes")))
                    .as("service %s: a volume at --data-dir %s (identity, state, apps)", service, config.dataDir())
                    .anyMatch(v -> Path.of(v.toString().split(":")[1]).equals(config.dataDir()));
            Map<String, Object> controlPlane =
                    map(services(), config.controlPlane().host());
            assertThat(PackagingTests.<List<Object>>cast(controlPlane.getOrDefault("ports", List.of())))
                    .as(
                            "service %s: --control-plane %s is a compose service's gRPC port",
                            service, config.controlPlane())
                    .anyMatch(p ->
                            p.toString().endsWith(":" + config.controlPlane().port()));
            assertThat(config.controlPlane().port())
                    .as("the control plane's spring.grpc.server.port")
                    .isEqualTo(Integer.parseInt(controlPlaneProperty("spring.grpc.server.port")));
        }
        assertThat(tokenVariables)
                .as("each agent has its own enrollment token: a token belongs to one environment, and the"
                        + " environment decides push or pull")
                .hasSize(agents.size());
    }

    @Test
    void theSystemdUnitStartsTheAgentWithFlagsItReadsAndTheImagesDataDirectory() throws Exception {
        List<String> exec = systemdExecStart();
        Map<String, String> env = Map.of("TIDE_AGENT_CONTROL_PLANE", "cp.example.com:9090");
        AgentConfig unit = parse(afterLauncher(exec, "tide-agent.service ExecStart"), env, "tide-agent.service");
        AgentConfig image =
                parse(afterLauncher(imageEntrypoint(), "agent.Dockerfile ENTRYPOINT"), env, "agent.Dockerfile");

        assertThat(unit.dataDir()).as("the unit's and the image's --data-dir").isEqualTo(image.dataDir());
        assertThat(unit.listen()).isEqualTo(new HostPort("0.0.0.0", AgentConfig.PUSH_PORT));
        assertThat(image.listen()).isEqualTo(unit.listen());
        String unitText = Files.readString(ROOT.resolve("deploy/systemd/tide-agent.service"));
        Matcher named = Pattern.compile("TIDE_AGENT_[A-Z_]+").matcher(unitText);
        while (named.find()) {
            assertThat(named.group())
                    .as("tide-agent.service names a variable the agent does not read")
                    .isIn(agentVariables());
        }
    }

    @Test
    void theAgentsJvmFlagsAreTheSameWhereverItIsLaunched() throws IOException {
        // The unit and the image run the launcher, so its default options are their flags.
        Matcher script = Pattern.compile("(?m)^opts=\\$\\{TIDE_AGENT_JAVA_OPTS:-(.*)}$")
                .matcher(Files.readString(ROOT.resolve("node-agent/src/main/dist/tide-agent")));
        assertThat(script.find())
                .as("the tide-agent launcher's default JVM options")
                .isTrue();
        List<String> flags = List.of(script.group(1).split("\\s+"));
        assertThat(flags).as("JVM flags of the tide-agent launcher").isNotEmpty();
        assertThat(Files.readString(ROOT.resolve("deploy/demo/TideDemo.java")))
                .as("./tide demo starts its agents through the launcher")
                .contains("\"node-agent/src/main/dist/tide-agent\"");
        String e2e = Files.readString(ROOT.resolve("e2e/src/test/java/dev/tide/e2e/AgentProcess.java"));
        assertThat(flags.stream().filter(flag -> !e2e.contains("\"" + flag + "\"")))
                .as("JVM flags of the tide-agent launcher that the e2e tests' agents do not start with")
                .isEmpty();
        assertThat(Files.readString(ROOT.resolve("docs/configuration.md")))
                .as("docs/configuration.md, \"The agent's JVM flags\"")
                .contains("java " + String.join(" ", flags) + " -jar tide-agent.jar");
    }

    @Test
    void theImageInstallsTheJarWhereItsLauncherLooks() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("deploy/docker/agent.Dockerfile"));
        assertThat(dockerfile)
                .as("agent.Dockerfile installs the launcher its ENTRYPOINT runs")
                .contains("node-agent/src/main/dist/tide-agent " + LAUNCHER);
        // the launcher looks beside itself, in ../lib/tide/ and in ../ (bin/ -> /opt/tide/)
        assertThat(dockerfile)
                .as("agent.Dockerfile puts the jar in a folder the launcher searches")
                .contains("tide-agent.jar " + IMAGE_JAR);
        assertThat(Path.of(LAUNCHER)
                        .getParent()
                        .resolveSibling("tide-agent.jar")
                        .toString())
                .isEqualTo(IMAGE_JAR);
        assertThat(Files.readString(ROOT.resolve("node-agent/src/main/dist/tide-agent")))
                .contains("\"$here/../tide-agent.jar\"");
    }

    /** Every variable the agent reads (one per flag, and the log level), and the launcher's own. */
    private static Set<String> agentVariables() throws IOException {
        Set<String> names = new HashSet<>();
        Flag.ALL.stream().filter(f -> f != Flag.HELP).forEach(f -> names.add(f.env()));
        names.add(AgentLogging.LEVEL_VARIABLE);
        Matcher launcher = Pattern.compile("\\$\\{(TIDE_AGENT_[A-Z_]+)")
                .matcher(Files.readString(ROOT.resolve("node-agent/src/main/dist/tide-agent")));
        while (launcher.find()) {
            names.add(launcher.group(1));
        }
        return names;
    }

    private static AgentConfig parse(List<String> args, Map<String, String> env, String where) throws Exception {
        assertThatCode(() -> AgentOptions.parse(args.toArray(String[]::new), env))
                .as("%s: the agent accepts %s with %s", where, args, env.keySet())
                .doesNotThrowAnyException();
        return AgentOptions.parse(args.toArray(String[]::new), env).config();
    }

    /** A compose value with its ${VARIABLE:-default} filled in as an operator would; records the names. */
    private static String expand(String value, String service, Set<String> variables) {
        Matcher m = COMPOSE_VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            variables.add(m.group(1));
            // A token as the control plane shows it: <secret>.<CA fingerprint, 43 base64url characters>.
            String sample = m.group(1).contains("TOKEN") ? "tide_enroll_" + service + "." + "A".repeat(43) : "value";
            m.appendReplacement(out, sample);
        }
        return m.appendTail(out).toString();
    }

    /** The agent's own arguments of a command that runs the installed launcher. */
    private static List<String> afterLauncher(List<String> command, String where) {
        assertThat(command.get(0))
                .as("%s runs the launcher %s, which restarts the agent after a self-upgrade", where, LAUNCHER)
                .isEqualTo(LAUNCHER);
        return command.subList(1, command.size());
    }

    private static List<String> imageEntrypoint() throws IOException {
        for (String line : Files.readAllLines(ROOT.resolve("deploy/docker/agent.Dockerfile"))) {
            if (line.startsWith("ENTRYPOINT ")) {
                return List.of(new Gson().fromJson(line.substring("ENTRYPOINT ".length()), String[].class));
            }
        }
        throw new AssertionError("deploy/docker/agent.Dockerfile has no ENTRYPOINT [...]");
    }

    private static List<String> systemdExecStart() throws IOException {
        for (String line : Files.readAllLines(ROOT.resolve("deploy/systemd/tide-agent.service"))) {
            if (line.startsWith("ExecStart=")) {
                return List.of(line.substring("ExecStart=".length()).trim().split("\\s+"));
            }
        }
        throw new AssertionError("deploy/systemd/tide-agent.service has no ExecStart=");
    }

    private static String controlPlaneProperty(String key) throws IOException {
        Properties properties = new Properties();
        try (Reader in =
                Files.newBufferedReader(ROOT.resolve("control-plane/src/main/resources/application.properties"))) {
            properties.load(in);
        }
        return properties.getProperty(key);
    }

    private static Map<String, Object> services() throws IOException {
        try (Reader in = Files.newBufferedReader(ROOT.resolve("docker-compose.yml"))) {
            return map(cast(new Yaml().load(in)), "services");
        }
    }

    private static Map<String, Map<String, Object>> agentServices() throws IOException {
        Map<String, Map<String, Object>> agents = new LinkedHashMap<>();
        services().forEach((name, spec) -> {
            Map<String, Object> service = cast(spec);
            if (String.valueOf(map(service, "build").get("dockerfile")).endsWith("agent.Dockerfile")) {
                agents.put(name, service);
            }
        });
        return agents;
    }

    private static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        assertThat(value == null || value instanceof Map)
                .as("%s is a mapping", key)
                .isTrue();
        return value == null ? Map.of() : cast(value);
    }

    /** YAML comes back as untyped maps and lists. */
    @SuppressWarnings("unchecked")
    private static <T> T cast(Object value) {
        return (T) value;
    }
}
