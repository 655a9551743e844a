package dev.tide.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.agent.state.NodeContext;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlaceholdersTests {
    private final Placeholders placeholders =
            new Placeholders(new NodeContext("web-1", "prod", Map.of("port", "8081", "team.name", "blue")));

    @Test
    void resolvesNodeNameLabelsAndEnvironment() throws Exception {
        assertThat(placeholders.resolve("${node.name}:${node.label.port} in ${environment.name}", "env X"))
                .isEqualTo("web-1:8081 in prod");
        assertThat(placeholders.resolve("${node.label.team.name}", "env X")).isEqualTo("blue");
    }

    @Test
    void leavesOtherDollarBracesAlone() throws Exception {
        assertThat(placeholders.resolve("home=${HOME} log=${LOG_DIR:-/tmp}", "config file a"))
                .isEqualTo("home=${HOME} log=${LOG_DIR:-/tmp}");
    }

    @Test
    void anUnresolvablePlaceholderFailsWithItsNameAndWhereItWas() {
        assertThatThrownBy(() -> placeholders.resolve("${node.label.zone}", "env ZONE"))
                .isInstanceOf(ApplyException.class)
                .hasMessageContaining("${node.label.zone}")
                .hasMessageContaining("env ZONE");
        assertThatThrownBy(() -> placeholders.resolve("${node.hostname}", "start[1]"))
                .hasMessageContaining("${node.hostname}");
    }

    @Test
    void valuesWithDollarSignsAreInsertedLiterally() throws Exception {
        Placeholders p = new Placeholders(new NodeContext("n", "e", Map.of("pw", "a$1\\b")));
        assertThat(p.resolve("${node.label.pw}", "env PW")).isEqualTo("a$1\\b");
    }
}
