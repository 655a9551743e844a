package dev.tide.agent.state;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonDeserializer;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSerializer;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import java.time.Instant;

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

    private static JsonSerializer<Message> protoSerializer() {
        JsonFormat.Printer printer = JsonFormat.printer().omittingInsignificantWhitespace();
        return (src, type, ctx) -> {
            try {
                return JsonParser.parseString(printer.print(src));
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
