package dev.tide.cli.commands;

import dev.tide.cli.Io;
import dev.tide.cli.TideCli;
import dev.tide.cli.api.ApiClient;
import dev.tide.cli.output.Printer;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that talks to the control plane: the client, the printer and the I/O of this run. */
abstract class ApiCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    TideCli root() {
        return (TideCli) spec.root().userObject();
    }

    Io io() {
        return root().io();
    }

    ApiClient api() {
        return root().api();
    }

    Printer printer() {
        return root().printer();
    }

    /** {@code /api/v1/} followed by the path segments, each URL-encoded. */
    static String path(String first, String... segments) {
        StringBuilder sb = new StringBuilder("/api/v1/").append(first);
        for (String s : segments) {
            sb.append('/').append(ApiClient.segment(s));
        }
        return sb.toString();
    }
}
