package dev.tide.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.agent.support.TestApps;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnpackerTests {
    private static final UnpackLimits LIMITS = UnpackLimits.defaults();

    @TempDir
    Path dir;

    private Path release() {
        return dir.resolve("apps/a/releases/1");
    }

    private Path write(byte[] bytes) throws Exception {
        Path file = dir.resolve("artifact-" + System.nanoTime());
        Files.write(file, bytes);
        return file;
    }

    @Test
    void unpacksATarGzWithFoldersExecutablesAndInsideLinks() throws Exception {
        byte[] tar = TestApps.tarGz(out -> {
            file(out, "bin/run.sh", "#!/bin/sh\n", 0755);
            file(out, "lib/data.txt", "data", 0644);
            link(out, "bin/data", "../lib/data.txt", TarConstants.LF_SYMLINK);
            link(out, "copy.txt", "lib/data.txt", TarConstants.LF_LINK);
        });

        Unpacker.unpack(write(tar), "application/gzip", release(), LIMITS);

        assertThat(release().resolve("lib/data.txt")).hasContent("data");
        assertThat(Files.isExecutable(release().resolve("bin/run.sh"))).isTrue();
        assertThat(Files.isExecutable(release().resolve("lib/data.txt"))).isFalse();
        assertThat(release().resolve("bin/data")).isSymbolicLink().hasContent("data");
        assertThat(release().resolve("copy.txt")).hasContent("data");
    }

    @Test
    void refusesAnEntryWithDotDot() throws Exception {
        byte[] tar = TestApps.tarGz(out -> file(out, "../../evil.txt", "pwned", 0644));

        assertThatThrownBy(() -> Unpacker.unpack(write(tar), "application/gzip", release(), LIMITS))
                .isInstanceOf(ApplyException.class)
                .hasMessageContaining("'../../evil.txt'")
                .hasMessageContaining("..");
        assertThat(dir.resolve("apps/a/evil.txt")).doesNotExist();
        assertThat(dir.resolve("apps/evil.txt")).doesNotExist();
    }

    @Test
    void refusesAnAbsoluteEntry() throws Exception {
        byte[] tar = TestApps.tarGz(out -> file(out, "/tmp/tide-evil-" + System.nanoTime(), "pwned", 0644));

        assertThatThrownBy(() -> Unpacker.unpack(write(tar), "application/gzip", release(), LIMITS))
                .isInstanceOf(ApplyException.class)
                .hasMessageContaining("absolute");
    }

    @Test
    void refusesASymlinkLeadingOutsideAndNeverWritesThroughIt() throws Exception {
        Path outside = Files.createDirectories(dir.resolve("outside"));
        byte[] tar = TestApps.tarGz(out -> {
            link(out, "escape", outside.toString(), TarConstants.LF_SYMLINK);
            file(out, "escape/owned.txt", "pwned", 0644);
        });
        byte[] relative = TestApps.tarGz(out -> {
            link(out, "up", "../../../../outside", TarConstants.LF_SYMLINK);
            file(out, "up/owned.txt", "pwned", 0644);
        });

        assertThatThrownBy(() -> Unpacker.unpack(write(tar), "application/gzip", release(), LIMITS))
                .isInstanceOf(ApplyException.class)
                .hasMessageContaining("symlink to absolute path");
        assertThatThrownBy(() -> Unpacker.unpack(write(relative), "application/gzip", dir.resolve("r2"), LIMITS))
                .isInstanceOf(ApplyException.class)
                .hasMessageContaining("outside the release folder");
        assertThat(outside).isEmptyDirectory();
    }

    @Test
    void refusesALinkChainThatEscapesThroughAnotherLink() throws Exception {
        Path root = Files.createDirectories(dir.resolve("deep/root"));
        byte[] tar = TestApps.tarGz(out -> {
            link(out, "self", ".", TarConstants.LF_SYMLINK);
            link(out, "parent", "self/..", TarConstants.LF_SYMLINK); // lexically ".", really ".."
            file(out, "parent/owned.txt", "pwned", 0644);
        });

        assertThatThrownBy(() -> Unpacker.unpack(write(tar), "application/gzip", root.resolve("release"), LIMITS))
                .isInstanceOf(ApplyException.class)
                .hasMessageContaining("leads outside the release folder");
        assertThat(root.resolve("owned.txt")).doesNotExist();
    }

    @Test
    void refusesAHardLinkToAFileOutside() throws Exception {
        byte[] tar = TestApps.tarGz(out -> link(out, "passwd", "../../../etc/passwd", TarConstants.LF_LINK));

        assertThatThrownBy(() -> Unpacker.unpack(write(tar), "application/gzip", release(), LIMITS))
                .isInstanceOf(ApplyException.class)
                .hasMessageContaining("hard link");
    }

    @Test
    void unpacksAZipByMediaTypeAndRefusesZipSlip() throws Exception {
        Unpacker.unpack(write(zip("app/hello.txt", "hi")), "application/zip", release(), LIMITS);
        assertThat(release().resolve("app/hello.txt")).hasContent("hi");

        assertThatThrownBy(() ->
                        Unpacker.unpack(write(zip("../slip.txt", "x")), "application/zip", dir.resolve("r3"), LIMITS))
                .isInstanceOf(ApplyException.class);
        assertThat(dir.resolve("slip.txt")).doesNotExist();
    }

    @Test
    void keepsAnythingElseAsTheSingleExecutableFileArtifact() throws Exception {
        Unpacker.unpack(write("#!/bin/sh\necho hi\n".getBytes()), "application/octet-stream", release(), LIMITS);

        assertThat(release().resolve("artifact")).hasContent("#!/bin/sh\necho hi");
        assertThat(Files.isExecutable(release().resolve("artifact"))).isTrue();
    }

    @Test
    void configFilesStayInsideTheFolder() throws Exception {
        Files.createDirectories(release());
        Unpacker.writeConfig(release(), "conf/app.yml", "a: 1");
        assertThat(release().resolve("conf/app.yml")).hasContent("a: 1");

        assertThatThrownBy(() -> Unpacker.writeConfig(release(), "../x.yml", "a"))
                .isInstanceOf(ApplyException.class)
                .hasMessageContaining("config file");
        assertThatThrownBy(() -> Unpacker.writeConfig(release(), "/etc/x.yml", "a"))
                .isInstanceOf(ApplyException.class);
    }

    @Test
    void thePreparerLeavesNoPartialFolderWhenAnArchiveIsRefused() throws Exception {
        byte[] tar = TestApps.tarGz(out -> {
            file(out, "ok.txt", "fine", 0644);
            file(out, "../bad.txt", "pwned", 0644);
        });

        assertThatThrownBy(() -> prepare(write(tar))).isInstanceOf(ApplyException.class);
        assertThat(dir.resolve("apps/hello/releases")).isEmptyDirectory();
    }

    @Test
    void aGzipBombIsRefusedAtTheDefaultLimitAndNothingIsLeftBehind() throws Exception {
        byte[] bomb = TestApps.gzipBomb(100L << 20);
        assertThat(bomb.length).isLessThan(1 << 20); // 20 times that is far below the 64 MiB floor

        assertThatThrownBy(() -> prepare(write(bomb)))
                .isInstanceOf(ApplyException.class)
                .hasMessageContaining("decompresses to more than the unpack limit of 64 MiB")
                .hasMessageContaining("20 times")
                .hasMessageContaining("--unpack-max-size");
        assertThat(dir.resolve("apps/hello/releases")).isEmptyDirectory();
    }

    @Test
    void anExplicitMaximumSizeIsTheLimitWhateverTheArtifactSize() throws Exception {
        UnpackLimits twoMiB = new UnpackLimits(2 << 20, 100);

        Unpacker.unpack(write(TestApps.gzipBomb(1 << 20)), "application/gzip", release(), twoMiB);
        assertThat(Files.size(release().resolve("zeros.bin"))).isEqualTo(1 << 20);

        assertThatThrownBy(() -> Unpacker.unpack(
                        write(TestApps.gzipBomb(3 << 20)), "application/gzip", dir.resolve("r2"), twoMiB))
                .isInstanceOf(ApplyException.class)
                .hasMessageContaining("unpack limit of 2 MiB (--unpack-max-size)");
    }

    @Test
    void aZipBombIsRefusedToo() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
            zip.putArchiveEntry(new ZipArchiveEntry("zeros.bin"));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 100; i++) {
                zip.write(zeros);
            }
            zip.closeArchiveEntry();
        }

        assertThatThrownBy(() -> Unpacker.unpack(write(bytes.toByteArray()), "application/zip", release(), LIMITS))
                .isInstanceOf(ApplyException.class)
                .hasMessageContaining("unpack limit of 64 MiB");
    }

    @Test
    void tooManyEntriesAreRefusedNamingTheLimit() throws Exception {
        byte[] tar = TestApps.tarGz(out -> {
            for (int i = 0; i < 11; i++) {
                file(out, "f" + i, "x", 0644);
            }
        });

        assertThatThrownBy(() -> Unpacker.unpack(write(tar), "application/gzip", release(), new UnpackLimits(0, 10)))
                .isInstanceOf(ApplyException.class)
                .hasMessageContaining("more than 10 entries (--unpack-max-entries)");
    }

    @Test
    void refusesDevicesAndFifos() throws Exception {
        for (byte type : new byte[] {TarConstants.LF_BLK, TarConstants.LF_CHR, TarConstants.LF_FIFO}) {
            byte[] tar = TestApps.tarGz(out -> {
                out.putArchiveEntry(new TarArchiveEntry("node", type, true));
                out.closeArchiveEntry();
            });
            Path target = dir.resolve("r-" + type);

            assertThatThrownBy(() -> Unpacker.unpack(write(tar), "application/gzip", target, LIMITS))
                    .isInstanceOf(ApplyException.class)
                    .hasMessageContaining("device or fifo");
            assertThat(target.resolve("node")).doesNotExist();
        }
    }

    private void prepare(Path artifact) throws ApplyException {
        ReleasePreparer preparer = new ReleasePreparer(new AppPaths(dir), LIMITS, RunAs.system());
        var release = TestApps.hello("1.0.0", "x", 1, "/health", 1).toBuilder()
                .clearEnv()
                .clearConfigFiles()
                .setHealthCheck(dev.tide.proto.agent.v1.HealthCheck.getDefaultInstance())
                .build();
        preparer.prepare(release, new dev.tide.agent.state.NodeContext("n", "e", Map.of()), artifact);
    }

    private static void file(TarArchiveOutputStream out, String name, String content, int mode)
            throws java.io.IOException {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        TarArchiveEntry e = new TarArchiveEntry(name, true);
        e.setSize(bytes.length);
        e.setMode(mode);
        out.putArchiveEntry(e);
        out.write(bytes);
        out.closeArchiveEntry();
    }

    private static void link(TarArchiveOutputStream out, String name, String target, byte type)
            throws java.io.IOException {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setLinkName(target);
        out.putArchiveEntry(e);
        out.closeArchiveEntry();
    }

    private static byte[] zip(String name, String content) throws java.io.IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(bytes)) {
            zip.putArchiveEntry(new ZipArchiveEntry(name));
            zip.write(content.getBytes(StandardCharsets.UTF_8));
            zip.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }
}
