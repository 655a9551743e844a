package dev.tide.bench.report;

import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The Markdown text of the report; the charts are linked from {@code charts/}. */
final class MarkdownReport {
    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'");

    private final StringBuilder md = new StringBuilder();

    private MarkdownReport() {}

    static String render(
            ReportContext ctx, List<RunResult> runs, List<FloorResult> floors, Map<String, String> charts) {
        MarkdownReport report = new MarkdownReport();
        List<RunResult> sorted = Modes.sorted(runs);
        report.header(ctx);
        report.delivery(sorted);
        report.cost(sorted);
        report.gate(sorted);
        report.floor(floors);
        report.charts(charts);
        report.bends(sorted);
        report.notes(ctx.notes());
        return report.md.toString();
    }

    private void header(ReportContext ctx) {
        line("# Tide fleet benchmark: push vs pull");
        line("");
        line("How this report was produced:");
        line("");
        table(
                List.of("", ""),
                List.of(
                        List.of("command", code(ctx.command())),
                        List.of("machine", ctx.machine()),
                        List.of("commit", ctx.gitCommit().isBlank() ? Human.NONE : code(ctx.gitCommit())),
                        List.of("started", DATE.format(ctx.startedAt().atOffset(ZoneOffset.UTC))),
                        List.of("took", Human.seconds(ctx.took().toMillis() / 1000.0))));
        line("Modes: **push** (the control plane holds a session per agent and sends), **watch** (agents pull"
                + " with a long-poll), **interval30** (agents pull every 30 s with jitter). Times are per target"
                + " from the moment the desired state was written; p50 · p99 · max are nearest-rank. \"—\" means"
                + " not measured.");
        line("");
    }

    private void delivery(List<RunResult> runs) {
        line("## Delivery");
        line("");
        List<List<String>> rows = new ArrayList<>();
        for (RunResult r : runs) {
            rows.add(List.of(
                    mode(r),
                    Human.count(r.nodes()),
                    r.completed() ? "✓" : "✗ bent",
                    Human.seconds(r.enrollSeconds()),
                    Human.seconds(r.deploySeconds()),
                    Human.percentiles(r.delivered()),
                    Human.percentiles(r.applied()),
                    Human.percentiles(r.healthy()),
                    Human.seconds(r.exposureSeconds()),
                    Human.ratio(r.floorRatio())));
        }
        table(
                List.of(
                        "mode",
                        "N",
                        "done",
                        "enroll",
                        "deploy",
                        "delivered p50 · p99 · max",
                        "applied p50 · p99 · max",
                        "healthy p50 · p99 · max",
                        "mixed versions",
                        "× floor"),
                rows);
        line("*mixed versions*: first target healthy on the new version → last one. *× floor*: delivered max over"
                + " the bare gRPC floor at the same N (push: stream fan-out; pull: long-poll answer).");
        line("");
    }

    private void cost(List<RunResult> runs) {
        line("## Control-plane cost");
        line("");
        List<List<String>> rows = new ArrayList<>();
        for (RunResult r : runs) {
            rows.add(List.of(
                    mode(r),
                    Human.count(r.nodes()),
                    Double.isNaN(r.cpuSeconds()) ? Human.NONE : Human.seconds(r.cpuSeconds()),
                    Human.percent(r.cpuPercentOfCore()),
                    Human.percent(r.idleCpuPercentOfCore()),
                    Human.megabytes(r.heapAfterGcMb()),
                    Human.count(r.liveThreads()),
                    Human.count(r.openConnections()),
                    Human.rate(r.rpcsPerSecond()),
                    Human.count(r.dbStatements()),
                    Human.bytes(r.wireBytes()),
                    Human.seconds(r.reconnectSeconds())));
        }
        table(
                List.of(
                        "mode",
                        "N",
                        "CPU",
                        "CPU % of a core",
                        "idle CPU %",
                        "heap after GC",
                        "threads",
                        "connections",
                        "agent RPCs",
                        "DB statements",
                        "wire",
                        "reconnect"),
                rows);
        line("CPU, RPCs, DB statements and wire bytes are for one deployment; idle CPU is with the fleet connected"
                + " and nothing to deliver; reconnect is the control plane killed (-9) and started again with the"
                + " fleet connected, then a deployment made at once: the kill until every node runs it healthy.");
        line("");
    }

    private void gate(List<RunResult> runs) {
        line("## Dependency gate");
        line("");
        line("A two-stage deployment where web depends on db on every node.");
        line("");
        List<List<String>> rows = new ArrayList<>();
        for (RunResult r : runs) {
            rows.add(List.of(
                    mode(r),
                    Human.count(r.nodes()),
                    Human.millis(r.gateMillis()),
                    Human.seconds(r.dependentSeconds())));
        }
        table(List.of("mode", "N", "db healthy (last node) → web delivered (last node)", "two-stage deploy"), rows);
    }

    private void floor(List<FloorResult> floors) {
        line("## Floor: bare grpc-java on this machine");
        line("");
        line(
                "One server, N clients each on its own connection, loopback, Netty (NIO), TLS (JDK provider, as the control plane). Stream fan-out: one payload"
                        + " the size of a desired-state document sent to N open server streams. Long-poll answer: N parked unary calls answered at once."
                        + " From the server's first send to the client's receipt; median over the measured rounds.");
        line("");
        List<List<String>> rows = new ArrayList<>();
        floors.stream()
                .sorted((a, b) -> Integer.compare(a.nodes(), b.nodes()))
                .forEach(f -> rows.add(List.of(
                        Human.count(f.nodes()),
                        Human.millis(f.streamP50Millis()),
                        Human.millis(f.streamMaxMillis()),
                        Human.millis(f.longPollP50Millis()),
                        Human.millis(f.longPollMaxMillis()))));
        table(
                List.of(
                        "N",
                        "stream fan-out p50",
                        "stream fan-out max",
                        "long-poll answer p50",
                        "long-poll answer max"),
                rows);
    }

    private void charts(Map<String, String> charts) {
        line("## Charts");
        line("");
        if (charts.isEmpty()) {
            line("No completed run has a figure to plot.");
            line("");
            return;
        }
        line("Completed runs only; points that were not measured are left out.");
        line("");
        charts.forEach((file, title) -> {
            line("![" + title + "](charts/" + file + ")");
            line("");
        });
    }

    private void bends(List<RunResult> runs) {
        line("## Where it bent");
        line("");
        List<RunResult> failed = runs.stream().filter(r -> !r.completed()).toList();
        if (failed.isEmpty()) {
            line("Every mode completed at every size.");
            line("");
            return;
        }
        for (RunResult r : failed) {
            line("- **" + escape(mode(r)) + "** at " + Human.count(r.nodes()) + " agents:");
            line("");
            String fence = fenceFor(r.failure());
            line("  " + fence + "text");
            r.failure().lines().forEach(text -> line("  " + text));
            line("  " + fence);
            line("");
        }
    }

    private void notes(List<String> notes) {
        if (notes.isEmpty()) {
            return;
        }
        line("## Notes");
        line("");
        notes.forEach(note -> line("- " + note));
        line("");
    }

    /** The mode, and the control-plane replicas when there were several ("push, 2 replicas"). */
    private static String mode(RunResult r) {
        return r.replicas() > 1 ? r.mode() + ", " + r.replicas() + " replicas" : r.mode();
    }

    private void table(List<String> header, List<List<String>> rows) {
        line(row(header));
        line(row(header.stream().map(h -> "---").toList()));
        rows.forEach(r -> line(row(r)));
        line("");
    }

    private static String row(List<String> cells) {
        return "| "
                + String.join(" | ", cells.stream().map(MarkdownReport::escape).toList()) + " |";
    }

    private static String escape(String cell) {
        return cell.replace("|", "\\|").replace("\n", " ");
    }

    private static String code(String text) {
        return text.isBlank() ? Human.NONE : "`" + text.replace("`", "'") + "`";
    }

    /** A backtick fence longer than any backtick run inside the text, so the text shows verbatim. */
    private static String fenceFor(String text) {
        int longest = 0;
        Matcher run = Pattern.compile("`+").matcher(text);
        while (run.find()) {
            longest = Math.max(longest, run.group().length());
        }
        return "`".repeat(Math.max(3, longest + 1));
    }

    private void line(String text) {
        md.append(text).append('\n');
    }
}
