package dev.tide.cli.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.cli.CliException;
import dev.tide.cli.Io;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliContextsTests {
    @TempDir
    Path dir;

    @Test
    void theConfigLivesInTheXdgConfigHomeOrUnderHome() {
        assertThat(Contexts.file(io(Map.of("XDG_CONFIG_HOME", "/x/cfg", "HOME", "/home/u"))))
                .isEqualTo(Path.of("/x/cfg/tide/config.json"));
        assertThat(Contexts.file(io(Map.of("HOME", "/home/u")))).isEqualTo(Path.of("/home/u/.config/tide/config.json"));
    }

    @Test
    void tokensAreWrittenReadableOnlyByTheUserEvenIntoAnOpenDirectory() throws IOException {
        Path tideDir = Files.createDirectories(dir.resolve("tide"));
        Files.setPosixFilePermissions(tideDir, PosixFilePermissions.fromString("rwxrwxrwx"));
        Path file = tideDir.resolve("config.json");
        Contexts contexts = Contexts.load(file);
        contexts.put("prod", new Contexts.Context("https://tide.example.com", "tide_api_secret", "id-1", "alice"));
        contexts.put("lab", new Contexts.Context("http://localhost:8080", "tide_api_lab", null, null));
        contexts.save();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tideDir)))
                .isEqualTo("rwx------");
        try (var files = Files.list(tideDir)) {
            assertThat(files).containsExactly(file); // no temporary file left behind
        }
        Contexts again = Contexts.load(file);
        assertThat(again.currentName()).isEqualTo("lab");
        assertThat(again.get("prod").token()).isEqualTo("tide_api_secret");

        again.use("prod");
        again.remove("prod");
        assertThat(again.currentName()).isEqualTo("lab");
    }

    @Test
    void anUnknownContextOrABrokenFileIsNamed() throws IOException {
        Path file = dir.resolve("config.json");
        assertThatThrownBy(() -> Contexts.load(file).use("prod"))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("no context 'prod'");

        Files.writeString(file, "{not json");
        assertThatThrownBy(() -> Contexts.load(file))
                .isInstanceOf(CliException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("fix or delete it");
    }

    private static Io io(Map<String, String> env) {
        return new Io(
                new PrintWriter(new StringWriter()),
                new PrintWriter(new StringWriter()),
                InputStream.nullInputStream(),
                env,
                false,
                Clock.systemUTC(),
                ZoneOffset.UTC);
    }
}
