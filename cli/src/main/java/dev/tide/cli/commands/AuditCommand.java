package dev.tide.cli.commands;

import dev.tide.cli.api.ApiClient;
import dev.tide.cli.output.Table;
import dev.tide.cli.output.Values;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/** {@code tide audit}: who did what, newest first. */
@Command(
        name = "audit",
        mixinStandardHelpOptions = true,
        description = "The audit log: who did what, newest first, a page at a time.",
        footer = {
            "%nExamples:",
            "  tide audit --actor admin --size 20",
            "  tide audit --subject environment/prod/enrollment-tokens/ID   # the nodes a token enrolled"
        })
public final class AuditCommand extends ApiCommand {
    @Option(names = "--actor", paramLabel = "USER", description = "Only this actor (a user, or agent:NODE).")
    String actor;

    @Option(names = "--action", paramLabel = "ACTION", description = "Only this action, e.g. deployment.create.")
    String action;

    @Option(names = "--subject", paramLabel = "SUBJECT", description = "Only this subject, e.g. environment/prod.")
    String subject;

    @Option(names = "--page", defaultValue = "0", paramLabel = "N")
    int page;

    @Option(names = "--size", defaultValue = "50", paramLabel = "N", description = "Events per page (max 500).")
    int size;

    @Override
    public Integer call() {
        JsonNode answer = api().get(ApiClient.query(
                path("audit"), "actor", actor, "action", action, "subject", subject, "page", page, "size", size));
        if (printer().json()) {
            printer().printJson(answer);
            return 0;
        }
        var zone = printer().zone();
        printer()
                .list(
                        answer.get("items"),
                        new Table()
                                .column("AT", r -> Values.time(r.get("at"), zone))
                                .column("ACTOR", "/actor")
                                .column("ACTION", "/action")
                                .column("SUBJECT", "/subject")
                                .column("DETAILS", "/details"),
                        "audit events");
        if (answer.path("totalPages").asInt() > page + 1) {
            printer()
                    .note("(page " + page + " of " + answer.path("totalPages").asInt() + "; --page " + (page + 1)
                            + " for older events)");
        }
        return 0;
    }
}
