package dev.tide.cli.commands;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that only groups subcommands: alone, it names them (exit 2, as for a missing argument). */
abstract class GroupCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(
                spec.commandLine(),
                "'" + spec.qualifiedName() + "' needs a subcommand: "
                        + String.join(", ", spec.subcommands().keySet()));
    }
}
