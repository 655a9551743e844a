package dev.tide.cli.commands;

import dev.tide.cli.api.ApiClient;
import dev.tide.cli.config.Contexts;
import dev.tide.cli.output.Table;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** {@code tide context list|use}: the control planes this user logged in to. */
@Command(
        name = "context",
        mixinStandardHelpOptions = true,
        description = "List the saved contexts (control plane + token) or switch the current one.",
        subcommands = {ContextCommand.ListContexts.class, ContextCommand.Use.class})
public final class ContextCommand extends GroupCommand {

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List contexts; * marks the current one.")
    static final class ListContexts extends ApiCommand {
        @Override
        public Integer call() {
            Contexts contexts = root().contexts();
            ArrayNode rows = ApiClient.JSON.createArrayNode();
            Map<String, Contexts.Context> sorted = new LinkedHashMap<>(new java.util.TreeMap<>(contexts.all()));
            sorted.forEach((name, c) -> {
                ObjectNode row = rows.addObject();
                row.put("current", name.equals(contexts.currentName()));
                row.put("name", name);
                row.put("url", c.url());
                row.put("user", c.user());
            });
            printer()
                    .list(
                            rows,
                            new Table()
                                    .column("", r -> r.get("current").asBoolean() ? "*" : " ")
                                    .column("NAME", "/name")
                                    .column("URL", "/url")
                                    .column("USER", "/user"),
                            "contexts (log in with: tide login URL)");
            return 0;
        }
    }

    @Command(name = "use", mixinStandardHelpOptions = true, description = "Make a context the current one.")
    static final class Use extends ApiCommand {
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            Contexts contexts = root().contexts();
            contexts.use(name);
            contexts.save();
            printer().done("Now using '" + name + "' (" + contexts.get(name).url() + ").", null);
            return 0;
        }
    }
}
