package dev.tide.bench.report;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * How a report was produced, printed at its top so a reader can rerun it.
 *
 * @param command the command line that ran the bench
 * @param machine a description of the machine (cores, memory, OS, JDK)
 * @param gitCommit the commit the bench ran on ("" when unknown)
 * @param startedAt when the bench started
 * @param took how long the whole bench ran
 * @param notes free-form remarks shown at the end of the report, one bullet each
 */
public record ReportContext(
        String command, String machine, String gitCommit, Instant startedAt, Duration took, List<String> notes) {

    public ReportContext {
        notes = List.copyOf(notes);
    }
}
