package dev.tide.cli;

import dev.tide.cli.api.ApiClient;
import dev.tide.cli.commands.AppCommand;
import dev.tide.cli.commands.ArtifactCommand;
import dev.tide.cli.commands.AuditCommand;
import dev.tide.cli.commands.CompareCommand;
import dev.tide.cli.commands.CompletionCommand;
import dev.tide.cli.commands.ContextCommand;
import dev.tide.cli.commands.DeployCommand;
import dev.tide.cli.commands.EnvCommand;
import dev.tide.cli.commands.LoginCommand;
import dev.tide.cli.commands.LogoutCommand;
import dev.tide.cli.commands.NodeCommand;
import dev.tide.cli.commands.ReleaseCommand;
import dev.tide.cli.config.Contexts;
import dev.tide.cli.output.Printer;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code tide}: the operator's command line for a Tide control plane. Every command is a thin
 * translation to the REST API ({@code /api/v1}); what it prints comes from the answer. Global
 * options ({@code --url}, {@code --token}, {@code --context}, {@code -o}) are accepted before or
 * after the command.
 */
@Command(
        name = "tide",
        mixinStandardHelpOptions = true,
        versionProvider = TideCli.Version.class,
        usageHelpAutoWidth = true,
        description = {
            "Operate a Tide control plane: environments, nodes, applications, artifacts, releases, deployments.",
            "Start with: tide login http://localhost:8080 --username admin"
        },
        commandListHeading = "%nCommands:%n",
        subcommands = {
            LoginCommand.class,
            LogoutCommand.class,
            ContextCommand.class,
            EnvCommand.class,
            NodeCommand.class,
            AppCommand.class,
            ArtifactCommand.class,
            ReleaseCommand.class,
            DeployCommand.class,
            AuditCommand.class,
            CompareCommand.class,
            CompletionCommand.class,
            CommandLine.HelpCommand.class
        })
public final class TideCli implements Runnable {
    @Option(
            names = "--url",
            scope = ScopeType.INHERIT,
            paramLabel = "URL",
            description = "Control plane URL (default: the current context; env TIDE_URL).")
    String url;

    @Option(
            names = "--token",
            scope = ScopeType.INHERIT,
            paramLabel = "TOKEN",
            description = "API token (default: the context's; env TIDE_TOKEN).")
    String token;

    @Option(
            names = "--context",
            scope = ScopeType.INHERIT,
            paramLabel = "NAME",
            description = "Use this context instead of the current one (see: tide context list).")
    String context;

    @Option(
            names = {"-o", "--output"},
            scope = ScopeType.INHERIT,
            paramLabel = "FORMAT",
            defaultValue = "table",
            description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Printer.Format output;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final Io io;

    public TideCli(Io io) {
        this.io = io;
    }

    public static void main(String[] args) {
        System.exit(run(Io.system(), args));
    }

    /** Runs one command line; returns its exit code (see {@link ExitCode}). */
    public static int run(Io io, String... args) {
        CommandLine cli = commandLine(io);
        int code = cli.execute(args);
        io.out().flush();
        io.err().flush();
        return code;
    }

    /** The command tree, wired to {@code io}, with the CLI's error handling. */
    public static CommandLine commandLine(Io io) {
        CommandLine cli = new CommandLine(new TideCli(io));
        cli.setOut(io.out()).setErr(io.err());
        cli.getCommandSpec().usageMessage().footerHeading("%n").footer(ExitCode.HELP);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler(TideCli::badUsage);
        cli.setExecutionExceptionHandler((e, command, parseResult) -> failed(io, e));
        return cli;
    }

    @Override
    public void run() {
        spec.commandLine().usage(io.out());
    }

    public Io io() {
        return io;
    }

    public Printer printer() {
        return new Printer(io.out(), io.err(), output, io.zone());
    }

    /** {@code --context} as given, or null. */
    public String contextOption() {
        return context;
    }

    /** {@code --token} as given, or null. */
    public String tokenOption() {
        return token;
    }

    public Contexts contexts() {
        return Contexts.load(Contexts.file(io));
    }

    /**
     * The control plane to talk to: {@code --url}/{@code TIDE_URL}, else the context's URL; the token
     * from {@code --token}/{@code TIDE_TOKEN}, else the context's, but only for the context's own URL
     * (a token is never sent to another server).
     */
    public ApiClient api() {
        String explicitUrl = url != null ? url : io.env("TIDE_URL");
        String explicitToken = token != null ? token : io.env("TIDE_TOKEN");
        Contexts contexts = contexts();
        String name = context != null ? context : contexts.currentName();
        Contexts.Context ctx = name == null ? null : contexts.get(name);
        if (context != null && ctx == null) {
            throw CliException.usage(
                    "no context '" + context + "' in " + contexts.file() + " (see: tide context list)");
        }
        if (explicitUrl == null) {
            if (ctx == null) {
                throw CliException.usage(
                        "not logged in: run 'tide login URL' first (or pass --url, or set TIDE_URL and TIDE_TOKEN)");
            }
            return ApiClient.withToken(
                    ApiClient.baseUrl(ctx.url()), explicitToken != null ? explicitToken : ctx.token());
        }
        var base = ApiClient.baseUrl(explicitUrl);
        String tokenToUse = explicitToken;
        if (tokenToUse == null && ctx != null && ApiClient.baseUrl(ctx.url()).equals(base)) {
            tokenToUse = ctx.token();
        }
        return ApiClient.withToken(base, tokenToUse);
    }

    private static int badUsage(CommandLine.ParameterException e, String[] args) {
        CommandLine cmd = e.getCommandLine();
        cmd.getErr().println("tide: " + e.getMessage());
        CommandLine.UnmatchedArgumentException.printSuggestions(e, cmd.getErr());
        cmd.getErr().println("See '" + cmd.getCommandSpec().qualifiedName() + " --help'.");
        cmd.getErr().flush();
        return ExitCode.USAGE;
    }

    /** Every failure as a message on stderr and an exit code; a stack trace only with TIDE_DEBUG. */
    private static int failed(Io io, Exception e) {
        if (e instanceof CliException c) {
            io.err().println("tide: " + c.getMessage());
            io.err().flush();
            return c.exitCode();
        }
        io.err().println("tide: unexpected error: " + e);
        if (io.env("TIDE_DEBUG") != null) {
            e.printStackTrace(io.err());
        } else {
            io.err().println("(set TIDE_DEBUG=1 for the details)");
        }
        io.err().flush();
        return ExitCode.ERROR;
    }

    /** {@code tide --version}: the build's version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = TideCli.class.getResourceAsStream("version.properties")) {
                if (in != null) {
                    p.load(in);
                }
            }
            return new String[] {"tide " + p.getProperty("version", "dev")};
        }
    }
}
