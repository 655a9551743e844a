package dev.tide.cli.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CliSseParserTests {
    @Test
    void eventsAreSplitOnBlankLinesAndKeepAlivesAreIgnored() {
        List<SseParser.Event> events = new ArrayList<>();
        SseParser parser = new SseParser(events::add);
        for (String line : List.of(
                ":keep-alive",
                "",
                "id:41",
                "event:target",
                "data:{\"type\":\"target.healthy\"}",
                "",
                "id: 42",
                "event: deployment",
                "data: line one",
                "data: line two",
                "",
                "event:end",
                "data:{}",
                "")) {
            parser.line(line);
        }

        assertThat(events)
                .containsExactly(
                        new SseParser.Event("41", "target", "{\"type\":\"target.healthy\"}"),
                        new SseParser.Event("42", "deployment", "line one\nline two"),
                        new SseParser.Event(null, "end", "{}"));
    }
}
