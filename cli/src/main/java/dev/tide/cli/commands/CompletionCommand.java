package dev.tide.cli.commands;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code tide completion bash|zsh}: the shell completion script, from the command tree itself. */
@Command(
        name = "completion",
        mixinStandardHelpOptions = true,
        description = "Print a shell completion script for tide.",
        footer = {
            "%nInstall:",
            "  bash: source <(tide completion bash)          # or save it in /etc/bash_completion.d/tide",
            "  zsh:  source <(tide completion zsh)           # in ~/.zshrc"
        })
public final class CompletionCommand implements Callable<Integer> {
    /** The shells the script works in. */
    enum Shell {
        bash,
        zsh
    }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "SHELL", description = "${COMPLETION-CANDIDATES}")
    Shell shell;

    @Override
    public Integer call() {
        var out = spec.commandLine().getOut();
        if (shell == Shell.zsh) {
            // picocli's script is a bash completion; zsh runs it through bashcompinit.
            out.println("autoload -U +X compinit && compinit");
            out.println("autoload -U +X bashcompinit && bashcompinit");
        }
        out.print(AutoComplete.bash("tide", spec.root().commandLine()));
        out.flush();
        return 0;
    }
}
