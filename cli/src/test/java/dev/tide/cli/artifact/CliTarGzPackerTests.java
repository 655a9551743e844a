package dev.tide.cli.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.cli.CliException;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTarGzPackerTests {
    @TempDir
    Path dir;

    @Test
    void packsTheFolderContentAtTheRootKeepingModesAndInsideLinks() throws IOException {
        Path app = Files.createDirectories(dir.resolve("app"));
        Files.createDirectories(app.resolve("bin"));
        Files.writeString(app.resolve("bin/start"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(app.resolve("bin/start"), PosixFilePermissions.fromString("rwxr-xr-x"));
        String deep = "a".repeat(120) + "/" + "b".repeat(120) + ".txt";
        Files.createDirectories(app.resolve(deep).getParent());
        Files.writeString(app.resolve(deep), "long names survive");
        Files.createSymbolicLink(app.resolve("run"), Path.of("bin/start"));

        Map<String, TarArchiveEntry> entries = entries(pack(app));

        assertThat(entries.keySet()).containsExactly("a".repeat(120) + "/", deep, "bin/", "bin/start", "run");
        assertThat(entries.get("bin/start").getMode() & 0777).isEqualTo(0755);
        assertThat(entries.get(deep).getMode() & 0777).isEqualTo(0644);
        assertThat(entries.get("run").isSymbolicLink()).isTrue();
        assertThat(entries.get("run").getLinkName()).isEqualTo("bin/start");
        assertThat(entries.values())
                .allSatisfy(e -> assertThat(e.getName()).doesNotStartWith("/").doesNotContain(".."));
    }

    @Test
    void theSameContentPacksToTheSameBytes() throws IOException {
        Path app = Files.createDirectories(dir.resolve("app"));
        Files.writeString(app.resolve("Hello.class"), "bytes");
        byte[] first = pack(app);
        Files.setLastModifiedTime(app.resolve("Hello.class"), java.nio.file.attribute.FileTime.fromMillis(0));

        assertThat(pack(app)).isEqualTo(first);
    }

    @Test
    void aSymlinkLeadingOutOfTheFolderIsRefusedNamingIt() throws IOException {
        Path app = Files.createDirectories(dir.resolve("app"));
        Files.createSymbolicLink(app.resolve("escape"), Path.of("../../etc/passwd"));

        assertThatThrownBy(() -> pack(app))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("symlink escape -> ../../etc/passwd")
                .hasMessageContaining("outside");
    }

    @Test
    void anAbsoluteSymlinkIsRefused() throws IOException {
        Path app = Files.createDirectories(dir.resolve("app"));
        Files.createSymbolicLink(app.resolve("abs"), app.resolve("x").toAbsolutePath());

        assertThatThrownBy(() -> pack(app)).isInstanceOf(CliException.class).hasMessageContaining("absolute");
    }

    private static byte[] pack(Path app) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarGzPacker.pack(app, out);
        return out.toByteArray();
    }

    private static Map<String, TarArchiveEntry> entries(byte[] tgz) throws IOException {
        Map<String, TarArchiveEntry> entries = new LinkedHashMap<>();
        try (TarArchiveInputStream tar =
                new TarArchiveInputStream(new GZIPInputStream(new ByteArrayInputStream(tgz)))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                entries.put(e.getName(), e);
            }
        }
        return entries;
    }
}
