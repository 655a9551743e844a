package dev.tide.cli.commands;

import dev.tide.cli.CliException;
import dev.tide.cli.Io;
import dev.tide.cli.api.ApiClient;
import dev.tide.cli.config.Contexts;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/**
 * {@code tide login URL}: remembers a control plane as a context. With a user name it creates an
 * API token for the CLI ({@code POST /api/v1/tokens}) and stores only that token, never the password.
 */
@Command(
        name = "login",
        mixinStandardHelpOptions = true,
        description = {
            "Log in to a control plane and make it the current context.",
            "With --username, the password is asked for (or read from TIDE_PASSWORD, or from stdin with"
                    + " --password-stdin) and exchanged for an API token; only the token is stored, in"
                    + " $XDG_CONFIG_HOME/tide/config.json (default ~/.config/tide/config.json, mode 0600).",
            "With --token, that API token is checked and stored."
        },
        footer = {
            "%nExamples:",
            "  tide login http://localhost:8080 --username admin",
            "  echo \"$PW\" | tide login https://tide.example.com --username deployer --password-stdin --context prod",
            "  tide login https://tide.example.com --token tide_api_..."
        })
public final class LoginCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "URL", description = "The control plane, e.g. http://localhost:8080.")
    String url;

    @Option(
            names = {"-u", "--username"},
            paramLabel = "USER",
            description = "Log in as this user: a new API token is created for the CLI.")
    String username;

    @Option(names = "--password-stdin", description = "Read the password from the first line of stdin.")
    boolean passwordStdin;

    @Option(
            names = "--token-name",
            paramLabel = "NAME",
            description = "Name of the API token to create (default: tide-cli-HOST).")
    String tokenName;

    @Option(
            names = "--expires-in-days",
            paramLabel = "DAYS",
            description = "The created token expires after this many days (default: the server's).")
    Integer expiresInDays;

    @Override
    public Integer call() {
        URI base = ApiClient.baseUrl(url);
        String contextName = root().contextOption() != null ? root().contextOption() : contextName(base);
        String token = root().tokenOption() != null ? root().tokenOption() : io().env("TIDE_TOKEN");
        Contexts.Context context;
        if (username != null) {
            context = withPassword(base, password());
        } else if (token != null) {
            JsonNode tokens = ApiClient.withToken(base, token).get("/api/v1/tokens");
            if (!tokens.isArray()) {
                throw CliException.error(base + " did not answer like a Tide control plane");
            }
            context = new Contexts.Context(base.toString(), token, null, null);
        } else {
            throw CliException.usage("tide login needs --username USER (to create a token) or --token TOKEN");
        }
        Contexts contexts = root().contexts();
        contexts.put(contextName, context);
        contexts.save();
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("context", contextName);
        answer.put("url", context.url());
        answer.put("user", context.user());
        answer.put("config", contexts.file().toString());
        printer()
                .done(
                        "Logged in to " + context.url() + (context.user() != null ? " as " + context.user() : "")
                                + " (context '" + contextName + "', token stored in " + contexts.file() + ")",
                        ApiClient.JSON.valueToTree(answer));
        return 0;
    }

    private Contexts.Context withPassword(URI base, String password) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", tokenName != null ? tokenName : defaultTokenName(hostName()));
        if (expiresInDays != null) {
            body.put("expiresInDays", expiresInDays);
        }
        JsonNode created = ApiClient.withPassword(base, username, password).post("/api/v1/tokens", body);
        return new Contexts.Context(
                base.toString(),
                created.get("token").asString(),
                created.get("id").asString(),
                created.path("owner").asString(username));
    }

    private String password() {
        Io io = io();
        if (passwordStdin) {
            try {
                String line = new BufferedReader(new InputStreamReader(io.in(), StandardCharsets.UTF_8)).readLine();
                if (line == null || line.isEmpty()) {
                    throw CliException.usage("--password-stdin: stdin is empty");
                }
                return line;
            } catch (IOException e) {
                throw CliException.error("cannot read the password from stdin: " + e.getMessage());
            }
        }
        if (io.env("TIDE_PASSWORD") != null) {
            return io.env("TIDE_PASSWORD");
        }
        Console console = System.console();
        if (console == null || !io.terminal()) {
            throw CliException.usage("no terminal to ask for the password: use --password-stdin or set TIDE_PASSWORD");
        }
        char[] typed = console.readPassword("Password for %s: ", username);
        if (typed == null || typed.length == 0) {
            throw CliException.usage("no password given");
        }
        return new String(typed);
    }

    /** The default context name: the host, with the port when it is not the scheme's default. */
    static String contextName(URI base) {
        return base.getPort() < 0 ? base.getHost() : base.getHost() + ":" + base.getPort();
    }

    /** {@code tide-cli-HOST}, in the characters a token name may have. */
    static String defaultTokenName(String host) {
        String name = "tide-cli-" + host.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
        return name.substring(0, Math.min(name.length(), 63));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
