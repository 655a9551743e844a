package dev.tide.agent.supervise;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogRotatorTests {
    @TempDir
    Path apps;

    @Test
    void copiesAndTruncatesLargeLogsSoAnOpenAppendingWriterCarriesOn() throws Exception {
        Path log = Files.createDirectories(apps.resolve("hello/logs")).resolve("stdout.log");
        LogRotator rotator = new LogRotator(apps, 1024, 2);
        try (OutputStream writer = Files.newOutputStream(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            for (int round = 1; round <= 3; round++) {
                writer.write(("round " + round + "\n").repeat(200).getBytes());
                writer.flush();
                rotator.run();
                assertThat(log).isEmptyFile();
            }
            writer.write("after\n".getBytes());
        }

        assertThat(log).hasContent("after");
        assertThat(log.resolveSibling("stdout.log.1")).content().startsWith("round 3");
        assertThat(log.resolveSibling("stdout.log.2")).content().startsWith("round 2");
        assertThat(log.resolveSibling("stdout.log.3")).doesNotExist();
    }

    @Test
    void leavesSmallLogsAlone() throws Exception {
        Path log = Files.createDirectories(apps.resolve("hello/logs")).resolve("stderr.log");
        Files.writeString(log, "small");

        new LogRotator(apps, 1024, 2).run();

        assertThat(log).hasContent("small");
        assertThat(log.resolveSibling("stderr.log.1")).doesNotExist();
    }
}
