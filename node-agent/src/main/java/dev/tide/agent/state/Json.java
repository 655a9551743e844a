package dev.tide.agent.state;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonDeserializer;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSerializer;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The agent's JSON files: Gson for records, protobuf's JsonFormat for the proto messages inside. */
final class Json {
    static final Gson GSON = new GsonBuilder()
            .registerTypeHierarchyAdapter(Message.class, protoSerializer())
            .registerTypeHierarchyAdapter(Message.class, protoDeserializer())
            .registerTypeAdapter(
                    Instant.class, (JsonSerializer<Instant>) (src, type, ctx) -> new JsonPrimitive(src.toString()))
            .registerTypeAdapter(
                    Instant.class, (JsonDeserializer<Instant>) (json, type, ctx) -> Instant.parse(json.getAsString()))
            .disableHtmlEscaping()
            .setPrettyPrinting()
            .create();

    private Json() {}

    /** How many printed messages are remembered: a node's releases, current and previous. */
    private static final int PRINTED_CACHE = 256;

    /**
     * Prints a message through protobuf's JSON format. The state file is written several times
     * per deployment with the same release messages in it, and printing them was half an agent's
     * CPU for an upgrade (profiled); messages are immutable, so each distinct one is printed once.
     */
    private static JsonSerializer<Message> protoSerializer() {
        JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();
        Map<Message, JsonElement> printed = Collections.synchronizedMap(new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Message, JsonElement> eldest) {
                return size() > PRINTED_CACHE;
            }
        });
        return (src, type, ctx) -> {
            JsonElement known = printed.get(src);
            if (known != null) {
                return known; // only ever read: gson writes it out
            }
            try {
                JsonElement json = JsonParser.parseString(printer.print(src));
                printed.put(src, json);
                return json;
            } catch (InvalidProtocolBufferException e) {
                throw new JsonParseException(e);
            }
        };
    }

    private static JsonDeserializer<Message> protoDeserializer() {
        JsonFormat.Parser parser = JsonFormat.parser().ignoringUnknownFields();
        return (json, type, ctx) -> {
            try {
                Message.Builder builder = (Message.Builder)
                        ((Class<?>) type).getMethod("newBuilder").invoke(null);
                parser.merge(json.toString(), builder);
                return builder.build();
            } catch (ReflectiveOperationException | InvalidProtocolBufferException e) {
                throw new JsonParseException("cannot read " + type, e);
            }
        };
    }
}
