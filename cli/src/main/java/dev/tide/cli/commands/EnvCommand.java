package dev.tide.cli.commands;

import dev.tide.cli.CliException;
import dev.tide.cli.output.Table;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code tide env}: environments, their delivery mode and settings, and agents' enrollment tokens. */
@Command(
        name = "env",
        mixinStandardHelpOptions = true,
        description = "Environments: list, show, create, switch mode (push/pull), change settings, enrollment tokens.",
        subcommands = {
            EnvCommand.ListEnvs.class,
            EnvCommand.Show.class,
            EnvCommand.Create.class,
            EnvCommand.Mode.class,
            EnvCommand.Settings.class,
            EnvCommand.Delete.class,
            EnrollmentTokenCommand.class
        })
public final class EnvCommand extends GroupCommand {
    static final Map<String, String> FIELDS = fields();

    private static Map<String, String> fields() {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("name", "/name");
        f.put("description", "/description");
        f.put("mode", "/mode");
        f.put("pull interval (s)", "/pullIntervalSeconds");
        f.put("pull jitter (s)", "/pullJitterSeconds");
        f.put("watch", "/watch");
        f.put("push max parallel", "/pushMaxParallel");
        f.put("mode changed", "/modeChangedAt");
        f.put("created", "/createdAt");
        return f;
    }

    /** The settings both {@code create} and {@code settings} take; unset ones are left out of the body. */
    static final class SettingsOptions {
        @Option(names = "--description", paramLabel = "TEXT", description = "What the environment is for.")
        String description;

        @Option(
                names = "--pull-interval",
                paramLabel = "SECONDS",
                description = "Pull mode: how often agents ask for their desired state.")
        Integer pullInterval;

        @Option(
                names = "--pull-jitter",
                paramLabel = "SECONDS",
                description = "Pull mode: random extra delay per poll, spreading the fleet's requests.")
        Integer pullJitter;

        @Option(
                names = "--watch",
                negatable = true,
                description = "Pull mode: long-poll (near-instant delivery); --no-watch polls on the interval.")
        Boolean watch;

        @Option(
                names = "--push-max-parallel",
                paramLabel = "N",
                description = "Push mode: how many nodes the control plane applies to at once.")
        Integer pushMaxParallel;

        Map<String, Object> body() {
            Map<String, Object> body = new LinkedHashMap<>();
            put(body, "description", description);
            put(body, "pullIntervalSeconds", pullInterval);
            put(body, "pullJitterSeconds", pullJitter);
            put(body, "watch", watch);
            put(body, "pushMaxParallel", pushMaxParallel);
            return body;
        }

        private static void put(Map<String, Object> body, String key, Object value) {
            if (value != null) {
                body.put(key, value);
            }
        }
    }

    /** PUSH or PULL, as the API spells it. */
    enum DeliveryMode {
        PUSH,
        PULL
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List environments.")
    static final class ListEnvs extends ApiCommand {
        @Override
        public Integer call() {
            printer()
                    .list(
                            api().get(path("environments")),
                            new Table()
                                    .column("NAME", "/name")
                                    .column("MODE", "/mode")
                                    .column("WATCH", "/watch")
                                    .column("PULL-INTERVAL", "/pullIntervalSeconds")
                                    .column("JITTER", "/pullJitterSeconds")
                                    .column("PUSH-PARALLEL", "/pushMaxParallel")
                                    .column("DESCRIPTION", "/description"),
                            "environments (create one with: tide env create NAME --mode PUSH|PULL)");
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show an environment and its settings.")
    static final class Show extends ApiCommand {
        @Parameters(index = "0", paramLabel = "ENV")
        String name;

        @Override
        public Integer call() {
            printer().object(api().get(path("environments", name)), FIELDS);
            return 0;
        }
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Create an environment.",
            footer = {
                "%nExamples:",
                "  tide env create prod --mode PULL --watch",
                "  tide env create edge --mode PUSH --push-max-parallel 50"
            })
    static final class Create extends ApiCommand {
        @Parameters(index = "0", paramLabel = "ENV", description = "Its name.")
        String name;

        @Option(names = "--mode", paramLabel = "MODE", description = "PUSH or PULL (default: the server's, PULL).")
        DeliveryMode mode;

        @Mixin
        SettingsOptions settings;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            if (mode != null) {
                body.put("mode", mode.name());
            }
            body.putAll(settings.body());
            JsonNode env = api().post(path("environments"), body);
            printer()
                    .done(
                            "Created environment " + name + " ("
                                    + env.path("mode").asString() + ").",
                            env);
            return 0;
        }
    }

    @Command(
            name = "mode",
            mixinStandardHelpOptions = true,
            description = {
                "Switch an environment between push and pull, at runtime.",
                "Agents follow on their next contact; 'tide node list -e ENV' shows each node's acknowledged mode."
            })
    static final class Mode extends ApiCommand {
        @Parameters(index = "0", paramLabel = "ENV")
        String name;

        @Parameters(index = "1", paramLabel = "MODE", description = "PUSH or PULL.")
        DeliveryMode mode;

        @Override
        public Integer call() {
            JsonNode env = api().patch(path("environments", name), Map.of("mode", mode.name()));
            printer()
                    .done(
                            "Environment " + name + " is now in "
                                    + env.path("mode").asString() + " mode.",
                            env);
            return 0;
        }
    }

    @Command(
            name = "settings",
            mixinStandardHelpOptions = true,
            description = "Change an environment's settings; without options, show them.",
            footer = {"%nExample:", "  tide env settings prod --pull-interval 30 --pull-jitter 5 --no-watch"})
    static final class Settings extends ApiCommand {
        @Parameters(index = "0", paramLabel = "ENV")
        String name;

        @Mixin
        SettingsOptions settings;

        @Override
        public Integer call() {
            Map<String, Object> body = settings.body();
            JsonNode env = body.isEmpty()
                    ? api().get(path("environments", name))
                    : api().patch(path("environments", name), body);
            printer().object(env, FIELDS);
            return 0;
        }
    }

    @Command(
            name = "delete",
            mixinStandardHelpOptions = true,
            description = "Delete an environment (refused while it has nodes or deployments).")
    static final class Delete extends ApiCommand {
        @Parameters(index = "0", paramLabel = "ENV")
        String name;

        @Option(names = "--yes", description = "Do not ask (required without a terminal).")
        boolean yes;

        @Override
        public Integer call() {
            if (!yes) {
                throw CliException.usage("deleting environment '" + name + "' needs --yes");
            }
            api().delete(path("environments", name));
            printer().done("Deleted environment " + name + ".", null);
            return 0;
        }
    }
}
