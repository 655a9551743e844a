package dev.tide.cli.commands;

import dev.tide.cli.CliException;
import dev.tide.cli.api.ApiClient;
import dev.tide.cli.output.Table;
import dev.tide.cli.output.Values;
import dev.tide.security.release.ReleaseBodies;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/** {@code tide release}: immutable versions of an application, optionally signed. */
@Command(
        name = "release",
        mixinStandardHelpOptions = true,
        description = "Releases: an application's immutable versions (artifact, start command, env, health check).",
        subcommands = {ReleaseCommand.ListReleases.class, ReleaseCommand.Show.class, ReleaseCommand.Create.class})
public final class ReleaseCommand extends GroupCommand {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List an application's releases, newest first.")
    static final class ListReleases extends ApiCommand {
        @Parameters(index = "0", paramLabel = "APP")
        String application;

        @Override
        public Integer call() {
            var zone = printer().zone();
            printer()
                    .list(
                            api().get(path("applications", application, "releases")),
                            new Table()
                                    .column("VERSION", "/version")
                                    .column(
                                            "ARTIFACT",
                                            r -> r.path("artifactSha256")
                                                    .asString()
                                                    .substring(0, 12))
                                    .column("SIGNED", "/signed")
                                    .column("CREATED", r -> Values.time(r.get("createdAt"), zone))
                                    .column("BY", "/createdBy")
                                    .column(
                                            "START",
                                            r -> String.join(
                                                    " ",
                                                    Values.text(r.get("start")).split(","))),
                            "releases of " + application);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a release (secret values masked).")
    static final class Show extends ApiCommand {
        @Parameters(index = "0", paramLabel = "APP")
        String application;

        @Parameters(index = "1", paramLabel = "VERSION")
        String version;

        @Override
        public Integer call() {
            Map<String, String> f = new LinkedHashMap<>();
            f.put("application", "/application");
            f.put("version", "/version");
            f.put("artifact", "/artifactSha256");
            f.put("start", "/start");
            f.put("env", "/env");
            f.put("secret env", "/secretEnv");
            f.put("config files", "/configFiles");
            f.put("health check", "/healthCheck");
            f.put("run as", "/runAs");
            f.put("signed", "/signed");
            f.put("signing key", "/signature/keyId");
            f.put("created by", "/createdBy");
            f.put("created", "/createdAt");
            printer().object(api().get(path("applications", application, "releases", version)), f);
            return 0;
        }
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = {
                "Create a release of APP: the artifact to unpack and the command to start, after '--'.",
                "Values may use ${node.name}, ${node.label.KEY} and ${environment.name}, resolved per node.",
                "With --sign-key, the release is signed with your Ed25519 key (see: ./tide sign keygen) over"
                        + " the application's current dependencies; environments that require signatures accept it."
            },
            footer = {
                "%nExamples:",
                "  tide release create hello 1.0.0 --artifact deploy/examples/hello \\",
                "      --env 'PORT=${node.label.port}' --health-http '${node.label.port}/health' \\",
                "      -- /usr/bin/java Hello.java",
                "  tide release create web 2.0.0 -f release.json --sign-key alice.key"
            })
    static final class Create extends ApiCommand {
        @Parameters(index = "0", paramLabel = "APP")
        String application;

        @Parameters(index = "1", paramLabel = "VERSION")
        String version;

        @Parameters(
                index = "2..*",
                paramLabel = "ARGV",
                description = "The start command and its arguments, after '--' (run without a shell).")
        List<String> start = new ArrayList<>();

        @Option(
                names = {"-f", "--file"},
                paramLabel = "FILE",
                description = "A release body (JSON, as POST /applications/APP/releases takes); options override it.")
        Path file;

        @Option(
                names = "--artifact",
                paramLabel = "SHA256|DIR|FILE",
                description = "The artifact: its SHA-256, or a directory or file to push first.")
        String artifact;

        @Option(names = "--env", paramLabel = "NAME=VALUE", description = "An environment variable (repeatable).")
        Map<String, String> env = new LinkedHashMap<>();

        @Option(
                names = "--secret-env",
                paramLabel = "NAME=VALUE",
                description = "A secret environment variable: never shown by the API (repeatable).")
        Map<String, String> secretEnv = new LinkedHashMap<>();

        @Option(
                names = "--config-file",
                paramLabel = "PATH=LOCALFILE",
                description = "Write LOCALFILE's content to PATH in the release folder (repeatable).")
        Map<String, Path> configFiles = new LinkedHashMap<>();

        @Option(
                names = "--health-http",
                paramLabel = "PORT[/PATH]",
                description = "HTTP health check, e.g. 8080/health.")
        String healthHttp;

        @Option(names = "--health-tcp", paramLabel = "PORT", description = "TCP health check: the port accepts.")
        String healthTcp;

        @Option(
                names = "--health-command",
                paramLabel = "COMMAND",
                description = "Command health check, split on spaces (use -f for arguments with spaces).")
        String healthCommand;

        @Option(names = "--health-timeout", paramLabel = "SECONDS", description = "Health check timeout (default 30).")
        Integer healthTimeout;

        @Option(names = "--run-as", paramLabel = "USER", description = "Local user the processes run as on each node.")
        String runAs;

        @Option(names = "--sign-key", paramLabel = "KEYFILE", description = "Sign with this Ed25519 key (NAME.key).")
        Path signKey;

        @Override
        public Integer call() {
            Map<String, Object> body = file != null ? readBody(file) : new LinkedHashMap<>();
            body.put("version", version);
            if (artifact != null) {
                body.put(
                        "artifactSha256",
                        SHA256.matcher(artifact).matches()
                                ? artifact
                                : ArtifactCommand.push(this, artifact, null)
                                        .path("sha256")
                                        .asString());
            }
            if (!body.containsKey("artifactSha256")) {
                throw CliException.usage("release create needs --artifact SHA256|DIR|FILE (or artifactSha256 in -f)");
            }
            if (!start.isEmpty()) {
                body.put("start", start);
            }
            merge(body, "env", env);
            merge(body, "secretEnv", secretEnv);
            Map<String, String> files = new LinkedHashMap<>();
            configFiles.forEach((target, local) -> files.put(target, read(local)));
            merge(body, "configFiles", files);
            Map<String, Object> health = healthCheck();
            if (health != null) {
                body.put("healthCheck", health);
            }
            if (runAs != null) {
                body.put("runAs", runAs);
            }
            if (signKey != null) {
                sign(body);
            }
            JsonNode release = api().post(path("applications", application, "releases"), body);
            printer()
                    .done(
                            "Created release " + application + " " + version
                                    + (release.path("signed").asBoolean() ? " (signed)" : "") + ", artifact "
                                    + release.path("artifactSha256").asString() + ".",
                            release);
            return 0;
        }

        private void sign(Map<String, Object> body) {
            KeyPair key;
            try {
                key = ReleaseBodies.readKeyPair(signKey);
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
            JsonNode app = api().get(path("applications", application));
            List<String> dependsOn = new ArrayList<>();
            app.path("dependsOn").forEach(d -> dependsOn.add(d.asString()));
            try {
                var manifest = ReleaseBodies.manifest(
                        application, body, dependsOn, io().clock().instant());
                body.put("signature", ReleaseBodies.signature(key, manifest));
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage());
            }
        }

        private Map<String, Object> healthCheck() {
            int given = (healthHttp != null ? 1 : 0) + (healthTcp != null ? 1 : 0) + (healthCommand != null ? 1 : 0);
            if (given > 1) {
                throw CliException.usage("give one of --health-http, --health-tcp and --health-command");
            }
            Map<String, Object> check = new LinkedHashMap<>();
            if (healthHttp != null) {
                int slash = healthHttp.indexOf('/');
                Map<String, Object> http = new LinkedHashMap<>();
                http.put("port", slash < 0 ? healthHttp : healthHttp.substring(0, slash));
                http.put("path", slash < 0 ? "/" : healthHttp.substring(slash));
                check.put("http", http);
            } else if (healthTcp != null) {
                check.put("tcp", Map.of("port", healthTcp));
            } else if (healthCommand != null) {
                check.put("command", Arrays.asList(healthCommand.trim().split("\\s+")));
            } else if (healthTimeout != null) {
                throw CliException.usage("--health-timeout goes with --health-http, --health-tcp or --health-command");
            } else {
                return null;
            }
            if (healthTimeout != null) {
                check.put("timeoutSeconds", healthTimeout);
            }
            return check;
        }

        private static void merge(Map<String, Object> body, String field, Map<String, String> values) {
            if (values.isEmpty()) {
                return;
            }
            Map<String, Object> merged = new LinkedHashMap<>();
            if (body.get(field) instanceof Map<?, ?> existing) {
                existing.forEach((k, v) -> merged.put(String.valueOf(k), v));
            }
            merged.putAll(values);
            body.put(field, merged);
        }

        private String read(Path local) {
            try {
                return Files.readString(local);
            } catch (IOException e) {
                throw CliException.usage("--config-file: cannot read " + local + " (" + e.getMessage() + ")");
            }
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Object> readBody(Path file) {
            try {
                Object parsed = ApiClient.JSON.readValue(Files.readString(file), Object.class);
                if (!(parsed instanceof Map<?, ?>)) {
                    throw CliException.usage(file + ": expected a JSON object (a release body)");
                }
                return new LinkedHashMap<>((Map<String, Object>) parsed);
            } catch (IOException e) {
                throw CliException.usage(file + ": cannot read (" + e.getMessage() + ")");
            } catch (JacksonException e) {
                throw CliException.usage(file + ": not valid JSON (" + e.getOriginalMessage() + ")");
            }
        }
    }
}
