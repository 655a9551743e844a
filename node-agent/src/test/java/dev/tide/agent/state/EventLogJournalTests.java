package dev.tide.agent.state;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tide.proto.agent.v1.Event;
import dev.tide.proto.agent.v1.EventType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Undelivered events survive an agent restart in {@code events.pb}; delivered ones do not come back. */
class EventLogJournalTests {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T12:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dataDir;

    @Test
    void undeliveredEventsAreThereAfterARestartAndDeliveredOnesAreNot() throws IOException {
        EventLog before = new EventLog(CLOCK, new FileEventJournal(dataDir));
        before.add(3, "web", "1.0.0", EventType.DELIVERED, "");
        before.add(3, "web", "1.0.0", EventType.APPLIED, "");
        before.ack(before.pending().lastSeq()); // both delivered
        before.add(3, "web", "1.0.0", EventType.BECAME_HEALTHY, "healthy in 2s");

        EventLog after = new EventLog(CLOCK, new FileEventJournal(dataDir)); // the agent restarted

        assertThat(after.pending().events()).singleElement().satisfies(e -> {
            assertThat(e.getType()).isEqualTo(EventType.BECAME_HEALTHY);
            assertThat(e.getMessage()).isEqualTo("healthy in 2s");
            assertThat(e.getGeneration()).isEqualTo(3);
        });
        after.ack(after.pending().lastSeq());
        assertThat(dataDir.resolve("events.pb")).doesNotExist();
        assertThat(new EventLog(CLOCK, new FileEventJournal(dataDir)).pending().events())
                .isEmpty();
    }

    @Test
    void aRecordTornByACrashIsDroppedAndTheOthersKept() throws IOException {
        EventLog log = new EventLog(CLOCK, new FileEventJournal(dataDir));
        log.add(1, "web", "1.0.0", EventType.DELIVERED, "");
        log.add(1, "web", "1.0.0", EventType.APPLIED, "");
        Path file = dataDir.resolve("events.pb");
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length - 3), StandardOpenOption.TRUNCATE_EXISTING);

        assertThat(new FileEventJournal(dataDir).load())
                .extracting(Event::getType)
                .containsExactly(EventType.DELIVERED);
    }

    @Test
    void theFileIsTheAgentsOwn() throws IOException {
        new EventLog(CLOCK, new FileEventJournal(dataDir)).add(1, "web", "1.0.0", EventType.DELIVERED, "");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve("events.pb"))))
                .isEqualTo("rw-------");
    }
}
