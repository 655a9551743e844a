package dev.tide.cli.commands;

import dev.tide.cli.CliException;
import dev.tide.cli.api.ApiClient;
import dev.tide.cli.output.Table;
import dev.tide.cli.output.Values;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code tide deploy}: roll releases out to an environment and follow, pause, cancel or undo it. */
@Command(
        name = "deploy",
        mixinStandardHelpOptions = true,
        description = {
            "Deployments: roll releases out to an environment in dependency order and in waves; follow them live.",
            "With --wait, a command follows the deployment to its end and exits by its outcome."
        },
        subcommands = {
            DeployCommand.Create.class,
            DeployCommand.ListDeployments.class,
            DeployCommand.Show.class,
            DeployCommand.Pause.class,
            DeployCommand.Resume.class,
            DeployCommand.Cancel.class,
            DeployCommand.Rollback.class
        })
public final class DeployCommand extends GroupCommand {

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Deploy releases (APP=VERSION) to an environment.",
            footer = {
                "%nExamples:",
                "  tide deploy create prod web=1.2.0 --wait",
                "  tide deploy create prod db=3.1.0 web=1.2.0 --canary 1 --batch-size 25%% --pause 30 \\",
                "      --failure-threshold 0 --auto-rollback --wait"
            })
    static final class Create extends ApiCommand {
        @Parameters(index = "0", paramLabel = "ENV")
        String environment;

        @Parameters(index = "1..*", arity = "1..*", paramLabel = "APP=VERSION", description = "The releases to deploy.")
        List<String> releases;

        @Option(names = "--batch-size", paramLabel = "N|P%", description = "Nodes per wave (default: all at once).")
        String batchSize;

        @Option(names = "--canary", paramLabel = "N", description = "A first wave of N nodes (default 0: none).")
        Integer canary;

        @Option(names = "--pause", paramLabel = "SECONDS", description = "Pause between waves.")
        Integer pauseSeconds;

        @Option(
                names = "--failure-threshold",
                paramLabel = "N|P%",
                description = "Failed targets tolerated before the deployment stops (default 0).")
        String failureThreshold;

        @Option(names = "--auto-rollback", description = "Past the threshold, put the previous releases back.")
        Boolean autoRollback;

        @Option(
                names = "--target-timeout",
                paramLabel = "SECONDS",
                description = "A node not healthy within this fails (default 300).")
        Integer targetTimeoutSeconds;

        @Option(names = "--selector", paramLabel = "LABEL=VALUE", description = "Only nodes with these labels.")
        Map<String, String> selector = new LinkedHashMap<>();

        @Mixin
        WaitOptions waiting;

        @Override
        public Integer call() {
            List<Map<String, String>> refs = new ArrayList<>();
            for (String r : releases) {
                int eq = r.indexOf('=');
                if (eq <= 0 || eq == r.length() - 1) {
                    throw CliException.usage("'" + r + "' is not APP=VERSION");
                }
                refs.add(Map.of("application", r.substring(0, eq), "version", r.substring(eq + 1)));
            }
            Map<String, Object> strategy = new LinkedHashMap<>();
            put(strategy, "batchSize", batchSize);
            put(strategy, "canary", canary);
            put(strategy, "pauseSeconds", pauseSeconds);
            put(strategy, "failureThreshold", failureThreshold);
            put(strategy, "autoRollback", autoRollback);
            put(strategy, "targetTimeoutSeconds", targetTimeoutSeconds);
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("environment", environment);
            body.put("releases", refs);
            body.put("strategy", strategy);
            if (!selector.isEmpty()) {
                body.put("selector", Map.of("labels", selector));
            }
            JsonNode d = api().post(path("deployments"), body);
            String id = d.path("id").asString();
            return waiting.finish(
                    this,
                    d,
                    "Created deployment " + id + " to " + environment + ": "
                            + d.path("targets").size()
                            + " target(s) in " + d.path("waves").size() + " wave(s).\nFollow it: tide deploy show "
                            + id + " --wait");
        }

        private static void put(Map<String, Object> map, String key, Object value) {
            if (value != null) {
                map.put(key, value);
            }
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List deployments, newest first.")
    static final class ListDeployments extends ApiCommand {
        @Option(
                names = {"-e", "--environment"},
                paramLabel = "ENV")
        String environment;

        @Option(names = "--limit", defaultValue = "20", paramLabel = "N", description = "At most N (default 20).")
        int limit;

        @Override
        public Integer call() {
            var zone = printer().zone();
            printer()
                    .list(
                            api().get(ApiClient.query(path("deployments"), "environment", environment, "limit", limit)),
                            new Table()
                                    .column("ID", "/id")
                                    .column("ENVIRONMENT", "/environment")
                                    .column("STATE", "/state")
                                    .column("CREATED", r -> Values.time(r.get("createdAt"), zone))
                                    .column("BY", "/createdBy")
                                    .column("FINISHED", r -> Values.time(r.get("finishedAt"), zone)),
                            "deployments");
            return 0;
        }
    }

    @Command(
            name = "show",
            mixinStandardHelpOptions = true,
            description = "Show a deployment: state, waves, failed targets; with --wait, follow it to its end.")
    static final class Show extends OneDeployment {
        @Override
        public Integer call() {
            JsonNode d = api().get(path("deployments", id));
            if (waiting.wait || printer().json()) {
                return waiting.finish(this, d, null);
            }
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("id", "/id");
            fields.put("environment", "/environment");
            fields.put("state", "/state");
            fields.put("message", "/message");
            fields.put("strategy", "/strategy");
            fields.put("created by", "/createdBy");
            fields.put("created", "/createdAt");
            fields.put("finished", "/finishedAt");
            fields.put("next step", "/nextStepAt");
            printer().object(d, fields);
            io().out().println();
            printer()
                    .list(
                            d.get("waves"),
                            new Table()
                                    .column("STAGE", "/stage")
                                    .column("WAVE", "/wave")
                                    .column("APPLICATIONS", "/applications")
                                    .column("TARGETS", "/targets")
                                    .column("STATES", "/states")
                                    .column("NODES", "/nodes"),
                            "waves");
            io().out().println();
            dev.tide.cli.watch.DeploymentWatcher.summary(d).forEach(io().out()::println);
            return 0;
        }
    }

    /** A command about one deployment, which can follow it to its end with --wait. */
    abstract static class OneDeployment extends ApiCommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Mixin
        WaitOptions waiting;
    }

    /** The operator's actions on a running (or finished) deployment. */
    abstract static class Action extends OneDeployment {
        @Override
        public Integer call() {
            // The subcommand's name is the action's path segment: pause, resume, cancel, rollback.
            JsonNode d = api().post(path("deployments", id, spec.name()), Map.of());
            return waiting.finish(
                    this,
                    d,
                    "Deployment " + id + ": " + d.path("state").asString()
                            + (d.path("message").asString("").isEmpty()
                                    ? ""
                                    : " (" + d.path("message").asString() + ")"));
        }
    }

    @Command(
            name = "pause",
            mixinStandardHelpOptions = true,
            description = "Pause: no further wave starts until resume.")
    static final class Pause extends Action {}

    @Command(name = "resume", mixinStandardHelpOptions = true, description = "Resume a paused deployment.")
    static final class Resume extends Action {}

    @Command(
            name = "cancel",
            mixinStandardHelpOptions = true,
            description =
                    "Cancel: targets in flight finish, no further wave starts; updated nodes keep the new release.")
    static final class Cancel extends Action {}

    @Command(
            name = "rollback",
            mixinStandardHelpOptions = true,
            description = "Roll back: put the previous releases back on every node it changed, dependents first.")
    static final class Rollback extends Action {}
}
