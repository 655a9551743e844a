package dev.tide.cli.commands;

import dev.tide.cli.CliException;
import dev.tide.cli.api.ApiClient;
import dev.tide.cli.config.Contexts;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code tide logout [CONTEXT]}: forgets a context and revokes the token login created for it. */
@Command(
        name = "logout",
        mixinStandardHelpOptions = true,
        description = {
            "Forget a context (default: the current one).",
            "A token that 'tide login --username' created is revoked on the control plane too."
        })
public final class LogoutCommand extends ApiCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "CONTEXT", description = "The context to forget.")
    String name;

    @Override
    public Integer call() {
        Contexts contexts = root().contexts();
        String which = name != null ? name : contexts.currentName();
        Contexts.Context context = which == null ? null : contexts.get(which);
        if (context == null) {
            throw CliException.usage(which == null ? "not logged in" : "no context '" + which + "'");
        }
        String revoked = "";
        if (context.tokenId() != null) {
            try {
                ApiClient.withToken(ApiClient.baseUrl(context.url()), context.token())
                        .delete(path("tokens", context.tokenId()));
                revoked = " and revoked its token";
            } catch (CliException e) {
                io().err()
                        .println("tide: could not revoke the token ("
                                + e.getMessage().lines().findFirst().orElse("")
                                + "); it is forgotten here all the same");
            }
        }
        contexts.remove(which);
        contexts.save();
        printer().done("Logged out of '" + which + "'" + revoked + ".", null);
        return 0;
    }
}
