package dev.tide.cli.commands;

import dev.tide.cli.output.Table;
import dev.tide.cli.output.Values;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code tide env tokens}: the tokens agents enroll with. */
@Command(
        name = "tokens",
        mixinStandardHelpOptions = true,
        description = "Enrollment tokens of an environment: what a new agent starts with (--enroll-token).",
        subcommands = {
            EnrollmentTokenCommand.ListTokens.class,
            EnrollmentTokenCommand.Create.class,
            EnrollmentTokenCommand.Revoke.class
        })
public final class EnrollmentTokenCommand extends GroupCommand {

    @Command(
            name = "list",
            mixinStandardHelpOptions = true,
            description = "List an environment's enrollment tokens (never their secrets).")
    static final class ListTokens extends ApiCommand {
        @Parameters(index = "0", paramLabel = "ENV")
        String environment;

        @Override
        public Integer call() {
            var zone = printer().zone();
            printer()
                    .list(
                            api().get(path("environments", environment, "enrollment-tokens")),
                            new Table()
                                    .column("ID", "/id")
                                    .column("STATUS", "/status")
                                    .column(
                                            "USES",
                                            r -> r.path("uses").asInt() + "/"
                                                    + r.path("maxUses").asInt())
                                    .column("EXPIRES", r -> Values.time(r.get("expiresAt"), zone))
                                    .column("DESCRIPTION", "/description"),
                            "enrollment tokens");
            return 0;
        }
    }

    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Create an enrollment token; it is shown once.",
            footer = {
                "%nExample (an autoscaling group of up to 200 nodes, for a week):",
                "  tide env tokens create prod --max-uses 200 --ttl-minutes 10080 --description 'asg web'",
                "%nExample (web-1 lost its data dir: enroll it again as the same node, history kept):",
                "  tide env tokens create prod --node web-1"
            })
    static final class Create extends ApiCommand {
        @Parameters(index = "0", paramLabel = "ENV")
        String environment;

        @Option(names = "--max-uses", paramLabel = "N", description = "How many agents may enroll with it (default 1).")
        Integer maxUses;

        @Option(names = "--ttl-minutes", paramLabel = "MIN", description = "Valid for this long (default 60).")
        Integer ttlMinutes;

        @Option(names = "--description", paramLabel = "TEXT")
        String description;

        @Option(
                names = "--node",
                paramLabel = "NAME",
                description = "Enroll only this node name, once; if the node exists it is enrolled again (same id"
                        + " and history, its old certificates refused): for an agent that lost its data dir.")
        String node;

        @Override
        public Integer call() {
            Map<String, Object> body = new LinkedHashMap<>();
            if (maxUses != null) {
                body.put("maxUses", maxUses);
            }
            if (ttlMinutes != null) {
                body.put("ttlMinutes", ttlMinutes);
            }
            if (description != null) {
                body.put("description", description);
            }
            if (node != null) {
                body.put("node", node);
            }
            JsonNode token = api().post(path("environments", environment, "enrollment-tokens"), body);
            printer()
                    .done(
                            token.get("token").asString()
                                    + "\n\nShown once. Start an agent with: java -jar tide-agent.jar --enroll-token TOKEN"
                                    + " --control-plane HOST:9090 --name "
                                    + (node != null ? node : "NAME") + " --data-dir DIR"
                                    + "\n(" + token.path("maxUses").asInt() + " use(s), expires "
                                    + Values.time(
                                            token.get("expiresAt"), printer().zone()) + ", id "
                                    + token.path("id").asString() + ")",
                            token);
            return 0;
        }
    }

    @Command(
            name = "revoke",
            mixinStandardHelpOptions = true,
            description = "Revoke an enrollment token: no further enrollments (enrolled nodes stay).")
    static final class Revoke extends ApiCommand {
        @Parameters(index = "0", paramLabel = "ENV")
        String environment;

        @Parameters(index = "1", paramLabel = "ID")
        String id;

        @Override
        public Integer call() {
            api().delete(path("environments", environment, "enrollment-tokens", id));
            printer().done("Revoked enrollment token " + id + ".", null);
            return 0;
        }
    }
}
