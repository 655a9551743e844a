package dev.tide.controlplane.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The notification payload: what one replica writes, another reads, and PostgreSQL's size limit. */
class ClusterCodecTests {
    /** PostgreSQL's own limit: pg_notify refuses a payload of 8000 bytes or more. */
    private static final int POSTGRES_LIMIT = 8000;

    @Test
    void aFewChangesTravelInOnePayloadAndReadBackTheSame() {
        List<ClusterMessage> sent = List.of(
                new ClusterMessage("desired", "prod-eu", 41, 57),
                ClusterMessage.of("user", "zoë \"quoted\" \\ name"),
                ClusterMessage.of("node-removed", "5b0a2f1e-7c1d-4d35-9a53-2f0a1e7c1d4d"));

        List<String> payloads = ClusterCodec.encode("replica-1", sent);

        assertThat(payloads).hasSize(1);
        ClusterCodec.Decoded read = ClusterCodec.decode(payloads.get(0));
        assertThat(read.replica()).isEqualTo("replica-1");
        assertThat(read.messages()).isEqualTo(sent);
    }

    @Test
    void manyChangesAreSplitIntoPayloadsUnderPostgresLimitAndNoneIsLost() {
        List<ClusterMessage> sent = IntStream.range(0, 2_000)
                .mapToObj(i -> new ClusterMessage("desired", "environment-with-a-long-name-" + i, i, i + 1L))
                .toList();

        List<String> payloads = ClusterCodec.encode("replica-1", sent);

        assertThat(payloads).hasSizeGreaterThan(1);
        List<ClusterMessage> read = new ArrayList<>();
        for (String payload : payloads) {
            assertThat(payload.getBytes(StandardCharsets.UTF_8).length).isLessThan(POSTGRES_LIMIT);
            read.addAll(ClusterCodec.decode(payload).messages());
        }
        assertThat(read).as("every change, in the order sent").isEqualTo(sent);
    }

    @Test
    void theLimitCountsBytesNotCharacters() {
        // 2-byte characters: a payload measured in characters would pass 8000 bytes.
        String wide = "é".repeat(1_000);
        List<ClusterMessage> sent = IntStream.range(0, 20)
                .mapToObj(i -> ClusterMessage.of("environment", wide + i))
                .toList();

        List<String> payloads = ClusterCodec.encode("réplica-ü", sent);

        List<ClusterMessage> read = new ArrayList<>();
        for (String payload : payloads) {
            assertThat(payload.getBytes(StandardCharsets.UTF_8).length).isLessThan(POSTGRES_LIMIT);
            read.addAll(ClusterCodec.decode(payload).messages());
        }
        assertThat(read).isEqualTo(sent);
    }

    @Test
    void aChangeTooLargeForAnyPayloadBecomesAResyncOfEverything() {
        ClusterMessage huge = ClusterMessage.of("user", "x".repeat(10_000));
        ClusterMessage small = ClusterMessage.of("environment", "prod");

        List<String> payloads = ClusterCodec.encode("replica-1", List.of(small, huge));

        List<ClusterMessage> read = new ArrayList<>();
        payloads.forEach(p -> read.addAll(ClusterCodec.decode(p).messages()));
        assertThat(read).containsExactly(small, ClusterMessage.of(ClusterCodec.RESYNC_TOPIC, ""));
    }

    @Test
    void aPayloadTideDidNotWriteIsRefusedWithTheReason() {
        assertThatThrownBy(() -> ClusterCodec.decode("hello"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("not JSON");
        assertThatThrownBy(() -> ClusterCodec.decode("{\"r\":1,\"m\":[]}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a Tide cluster payload");
        assertThatThrownBy(() -> ClusterCodec.decode("{\"r\":\"a\",\"m\":[[\"desired\",\"prod\",\"x\",2]]}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("malformed message in a Tide cluster payload");
        assertThatThrownBy(() -> ClusterCodec.decode(null)).isInstanceOf(IllegalArgumentException.class);
    }
}
