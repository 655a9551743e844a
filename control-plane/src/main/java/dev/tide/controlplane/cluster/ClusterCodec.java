package dev.tide.controlplane.cluster;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The notification payload: {@code {"r":"<replica>","m":[["topic","key",from,to],...]}}, split
 * so that each payload stays under PostgreSQL's 8000-byte limit. JSON, so that any key (a user
 * name, an environment name) travels without an escaping rule of our own.
 */
final class ClusterCodec {
    /** PostgreSQL refuses payloads of 8000 bytes or more; the rest is room for the envelope. */
    static final int MAX_PAYLOAD_BYTES = 7900;

    /** A message whose receivers must resync everything: sent when a message alone is too large. */
    static final String RESYNC_TOPIC = "resync";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** What one payload said: who sent it and the changes. */
    record Decoded(String replica, List<ClusterMessage> messages) {}

    private ClusterCodec() {}

    /** One or more payloads carrying all {@code messages}, each under the limit. */
    static List<String> encode(String replica, Collection<ClusterMessage> messages) {
        List<String> payloads = new ArrayList<>();
        ArrayNode batch = JSON.createArrayNode();
        int size = utf8Length(envelope(replica, batch));
        for (ClusterMessage m : messages) {
            ArrayNode one = JSON.createArrayNode()
                    .add(m.topic())
                    .add(m.key())
                    .add(m.from())
                    .add(m.to());
            int bytes = utf8Length(JSON.writeValueAsString(one)) + 1;
            if (size + bytes > MAX_PAYLOAD_BYTES) {
                if (!batch.isEmpty()) {
                    payloads.add(envelope(replica, batch));
                    batch = JSON.createArrayNode();
                    size = utf8Length(envelope(replica, batch));
                }
                if (size + bytes > MAX_PAYLOAD_BYTES) { // a key this long is not a name Tide makes
                    one = JSON.createArrayNode()
                            .add(RESYNC_TOPIC)
                            .add("")
                            .add(0)
                            .add(0);
                    bytes = utf8Length(JSON.writeValueAsString(one)) + 1;
                }
            }
            batch.add(one);
            size += bytes;
        }
        if (!batch.isEmpty()) {
            payloads.add(envelope(replica, batch));
        }
        return payloads;
    }

    /** Reads a payload; throws {@link IllegalArgumentException} for anything Tide did not write. */
    static Decoded decode(String payload) {
        try {
            JsonNode root = JSON.readTree(payload == null ? "" : payload);
            JsonNode replica = root.path("r");
            JsonNode list = root.path("m");
            if (!replica.isString() || !list.isArray()) {
                throw new IllegalArgumentException("not a Tide cluster payload");
            }
            List<ClusterMessage> messages = new ArrayList<>();
            for (JsonNode m : list) {
                if (!m.isArray()
                        || m.size() != 4
                        || !m.get(0).isString()
                        || !m.get(1).isString()
                        || !m.get(2).isIntegralNumber()
                        || !m.get(3).isIntegralNumber()) {
                    throw new IllegalArgumentException("malformed message in a Tide cluster payload");
                }
                messages.add(new ClusterMessage(
                        m.get(0).asString(),
                        m.get(1).asString(),
                        m.get(2).asLong(),
                        m.get(3).asLong()));
            }
            return new Decoded(replica.asString(), messages);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static String envelope(String replica, ArrayNode messages) {
        ObjectNode root = JSON.createObjectNode();
        root.put("r", replica);
        root.set("m", messages);
        return JSON.writeValueAsString(root);
    }
}
