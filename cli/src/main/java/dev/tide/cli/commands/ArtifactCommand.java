package dev.tide.cli.commands;

import dev.tide.cli.CliException;
import dev.tide.cli.artifact.TarGzPacker;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code tide artifact}: the software a release runs, content-addressed by SHA-256. */
@Command(
        name = "artifact",
        mixinStandardHelpOptions = true,
        description = "Artifacts: the bytes a release unpacks on each node, named by their SHA-256.",
        subcommands = {ArtifactCommand.Push.class, ArtifactCommand.Show.class})
public final class ArtifactCommand extends GroupCommand {

    @Command(
            name = "push",
            mixinStandardHelpOptions = true,
            description = {
                "Upload a file, or a directory packed into a .tar.gz (its content at the archive's root), and"
                        + " print its SHA-256.",
                "Uploading the same content again is harmless: artifacts are content-addressed."
            },
            footer = {
                "%nExamples:",
                "  tide artifact push deploy/examples/hello",
                "  tide artifact push build/app-1.2.0.tar.gz"
            })
    static final class Push extends ApiCommand {
        @Parameters(index = "0", paramLabel = "DIR|FILE")
        String source;

        @Option(
                names = "--media-type",
                paramLabel = "TYPE",
                description = "Content type of a FILE (default: from its name; a directory is application/gzip).")
        String mediaType;

        @Override
        public Integer call() {
            JsonNode artifact = push(this, source, mediaType);
            printer().done(artifact.path("sha256").asString(), artifact);
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show an artifact's size and media type.")
    static final class Show extends ApiCommand {
        @Parameters(index = "0", paramLabel = "SHA256")
        String sha256;

        @Override
        public Integer call() {
            printer()
                    .object(
                            api().get(path("artifacts", sha256)),
                            Map.of("sha256", "/sha256", "size", "/size", "media type", "/mediaType"));
            return 0;
        }
    }

    /** Uploads {@code source} (packing a directory first); answers {@code {sha256, size, mediaType}}. */
    static JsonNode push(ApiCommand command, String source, String mediaType) {
        Path path = command.io().path(source);
        if (!Files.exists(path)) {
            throw CliException.usage(source + ": no such file or directory");
        }
        if (!Files.isDirectory(path)) {
            if (!Files.isReadable(path)) {
                throw CliException.usage(source + ": not readable");
            }
            return command.api().upload(path, mediaType != null ? mediaType : mediaType(path));
        }
        Path packed = null;
        try {
            packed = Files.createTempFile("tide-artifact", ".tar.gz");
            int entries;
            try (OutputStream out = Files.newOutputStream(packed)) {
                entries = TarGzPacker.pack(path, out);
            }
            command.io()
                    .err()
                    .println("Packed " + source + " (" + entries + " entries, " + Files.size(packed)
                            + " bytes gzipped); uploading...");
            return command.api().upload(packed, "application/gzip");
        } catch (IOException e) {
            throw CliException.error("cannot pack " + source + ": " + e.getMessage());
        } finally {
            if (packed != null) {
                try {
                    Files.deleteIfExists(packed);
                } catch (IOException e) {
                    // a temp file left behind is harmless
                }
            }
        }
    }

    private static String mediaType(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".tar.gz") || name.endsWith(".tgz")) {
            return "application/gzip";
        }
        if (name.endsWith(".zip")) {
            return "application/zip";
        }
        if (name.endsWith(".tar")) {
            return "application/x-tar";
        }
        return "application/octet-stream";
    }
}
