package dev.tide.cli.commands;

import dev.tide.cli.output.Table;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code tide app}: applications and the dependencies that order their rollout. */
@Command(
        name = "app",
        mixinStandardHelpOptions = true,
        description = "Applications: list, show, create, and the dependencies that order deployments.",
        subcommands = {
            AppCommand.ListApps.class,
            AppCommand.Show.class,
            AppCommand.Create.class,
            AppCommand.DependsOn.class
        })
public final class AppCommand extends GroupCommand {
    private static final Map<String, String> FIELDS = new LinkedHashMap<>();

    static {
        FIELDS.put("name", "/name");
        FIELDS.put("depends on", "/dependsOn");
        FIELDS.put("description", "/description");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List applications.")
    static final class ListApps extends ApiCommand {
        @Override
        public Integer call() {
            printer()
                    .list(
                            api().get(path("applications")),
                            new Table()
                                    .column("NAME", "/name")
                                    .column("DEPENDS ON", "/dependsOn")
                                    .column("DESCRIPTION", "/description"),
                            "applications (create one with: tide app create NAME)");
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show an application.")
    static final class Show extends ApiCommand {
        @Parameters(index = "0", paramLabel = "APP")
        String name;

        @Override
        public Integer call() {
            printer().object(api().get(path("applications", name)), FIELDS);
            return 0;
        }
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Create an application.",
            footer = {"%nExample:", "  tide app create web --depends-on db"})
    static final class Create extends ApiCommand {
        @Parameters(index = "0", paramLabel = "APP")
        String name;

        @Option(
                names = "--depends-on",
                split = ",",
                paramLabel = "APP",
                description = "Applications that must be healthy before this one rolls (comma-separated or repeated).")
        List<String> dependsOn = List.of();

        @Option(names = "--description", paramLabel = "TEXT")
        String description;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("name", name);
            body.put("dependsOn", dependsOn);
            if (description != null) {
                body.put("description", description);
            }
            JsonNode app = api().post(path("applications"), body);
            printer()
                    .done(
                            "Created application " + name
                                    + (dependsOn.isEmpty() ? "" : " (depends on " + String.join(", ", dependsOn) + ")")
                                    + ".",
                            app);
            return 0;
        }
    }

    @Command(
            name = "depends-on",
            mixinStandardHelpOptions = true,
            description = {
                "Set what an application depends on (replacing the list); without APPs, show it.",
                "A dependency cycle is refused, naming it."
            },
            footer = {"%nExamples:", "  tide app depends-on web db cache", "  tide app depends-on web --none"})
    static final class DependsOn extends ApiCommand {
        @Parameters(index = "0", paramLabel = "APP")
        String name;

        @Parameters(index = "1..*", paramLabel = "DEPENDENCY", description = "The applications it depends on.")
        List<String> dependencies = List.of();

        @Option(names = "--none", description = "Depend on nothing.")
        boolean none;

        @Override
        public Integer call() {
            JsonNode app = dependencies.isEmpty() && !none
                    ? api().get(path("applications", name))
                    : api().patch(path("applications", name), Map.of("dependsOn", none ? List.of() : dependencies));
            printer().object(app, FIELDS);
            return 0;
        }
    }
}
