package dev.tide.cli.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class CliTableTests {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final JsonNode ENVS = JSON.readTree("""
            [{"name": "prod", "mode": "PULL", "watch": true, "labels": {"tier": "web"}, "tags": ["a", "b"]},
             {"name": "edge-eu-west", "mode": "PUSH", "watch": false, "labels": {}, "description": null}]
            """);

    @Test
    void columnsAreAlignedWithoutTrailingBlanksAndMissingValuesAreDashes() {
        Table table = new Table()
                .column("NAME", "/name")
                .column("MODE", "/mode")
                .column("LABELS", "/labels")
                .column("TAGS", "/tags")
                .column("DESCRIPTION", "/description");

        assertThat(table.render(ENVS))
                .containsExactly(
                        "NAME          MODE  LABELS    TAGS  DESCRIPTION",
                        "prod          PULL  tier=web  a,b   -",
                        "edge-eu-west  PUSH  -         -     -");
    }

    @Test
    void jsonModePrintsTheApiAnswerAndTableModeSaysWhenThereIsNothing() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Printer json = new Printer(new PrintWriter(out), new PrintWriter(err), Printer.Format.json, ZoneOffset.UTC);
        json.list(ENVS, new Table().column("NAME", "/name"), "environments");
        assertThat(JSON.readTree(out.toString())).isEqualTo(ENVS);

        StringWriter empty = new StringWriter();
        StringWriter emptyErr = new StringWriter();
        new Printer(new PrintWriter(empty), new PrintWriter(emptyErr), Printer.Format.table, ZoneOffset.UTC)
                .list(JSON.createArrayNode(), new Table().column("NAME", "/name"), "environments");
        assertThat(empty.toString()).isEmpty();
        assertThat(emptyErr.toString()).contains("No environments.");
    }

    @Test
    void oneObjectIsLabelledLinesWithTimesInTheUsersZone() {
        StringWriter out = new StringWriter();
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("name", "/name");
        fields.put("created", "/createdAt");
        new Printer(
                        new PrintWriter(out),
                        new PrintWriter(new StringWriter()),
                        Printer.Format.table,
                        ZoneOffset.ofHours(1))
                .object(JSON.readTree("{\"name\":\"prod\",\"createdAt\":\"2026-12-01T10:00:00Z\"}"), fields);

        assertThat(out.toString().lines()).containsExactly("name:    prod", "created: 2026-12-01 11:00:00");
    }

    @Test
    void durationsReadShort() {
        assertThat(Values.millis(850)).isEqualTo("850ms");
        assertThat(Values.millis(12_345)).isEqualTo("12.3s");
        assertThat(Values.millis(245_000)).isEqualTo("4m05s");
    }
}
