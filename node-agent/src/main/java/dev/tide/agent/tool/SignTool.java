package dev.tide.agent.tool;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.tide.agent.state.AtomicFiles;
import dev.tide.security.Pem;
import dev.tide.security.release.ReleaseKeySet;
import dev.tide.security.release.ReleaseKeys;
import dev.tide.security.release.ReleaseManifest;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Release signing, done by the people who release and never by the control plane ({@code ./tide
 * sign ...}, or {@code java -cp tide-agent.jar dev.tide.agent.tool.SignTool ...}):
 *
 * <ul>
 *   <li>{@code keygen NAME}: a new Ed25519 key, {@code NAME.key} (0600) and {@code NAME.pub}.
 *   <li>{@code release --key K --application APP [--depends-on a,b] FILE}: FILE is the body of
 *       {@code POST /applications/APP/releases}; prints it with a {@code signature} added.
 *   <li>{@code keys --key K --environment ENV --version N [--require] [--issued-at T] PUB...}: the
 *       body of {@code PUT /environments/ENV/release-keys} trusting the given public keys, signed
 *       with K (a key of the current set, or of the new set for version 1).
 * </ul>
 *
 * Bad input exits with 2 and a message naming the problem.
 */
public final class SignTool {
    private static final Gson GSON =
            new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private final PrintStream out;
    private final Clock clock;

    SignTool(PrintStream out, Clock clock) {
        this.out = out;
        this.clock = clock;
    }

    public static void main(String[] args) {
        int code = run(args, System.out, System.err, Clock.systemUTC());
        if (code != 0) {
            System.exit(code);
        }
    }

    static int run(String[] args, PrintStream out, PrintStream err, Clock clock) {
        try {
            new SignTool(out, clock).dispatch(List.of(args));
            return 0;
        } catch (UsageError e) {
            err.println("tide sign: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("tide sign: " + e.getMessage());
            return 1;
        }
    }

    private void dispatch(List<String> args) throws UsageError, IOException {
        if (args.isEmpty() || args.get(0).equals("--help")) {
            out.print(USAGE);
            return;
        }
        Options o = Options.parse(args.subList(1, args.size()));
        switch (args.get(0)) {
            case "keygen" -> keygen(o);
            case "release" -> release(o);
            case "keys" -> keys(o);
            default -> throw new UsageError("unknown command '" + args.get(0) + "' (keygen, release, keys)");
        }
    }

    private void keygen(Options o) throws UsageError, IOException {
        String name = o.single("NAME");
        Path key = Path.of(name + ".key");
        Path pub = Path.of(name + ".pub");
        if (Files.exists(key) || Files.exists(pub)) {
            throw new UsageError(key + " or " + pub + " already exists; not overwriting a key");
        }
        KeyPair pair = ReleaseKeys.generate();
        AtomicFiles.write(
                key,
                (Pem.privateKey(pair.getPrivate()) + Pem.publicKey(pair.getPublic()))
                        .getBytes(StandardCharsets.US_ASCII),
                true);
        Files.writeString(pub, Pem.publicKey(pair.getPublic()), StandardCharsets.US_ASCII);
        out.println("wrote " + key + " (keep it secret: it signs releases) and " + pub);
        out.println("key id " + ReleaseKeys.id(pair.getPublic()));
    }

    private void release(Options o) throws UsageError, IOException {
        KeyPair pair = keyPair(o.required("--key"));
        PrivateKey key = pair.getPrivate();
        String application = o.required("--application");
        JsonObject body = json(o.single("FILE"));
        Instant issuedAt = o.instant("--issued-at", clock.instant());
        ReleaseManifest manifest = new ReleaseManifest(
                application,
                string(body, "version", true),
                string(body, "artifactSha256", true),
                strings(body.get("start"), "start"),
                map(body.get("env"), "env"),
                new ArrayList<>(map(body.get("secretEnv"), "secretEnv").keySet()),
                map(body.get("configFiles"), "configFiles"),
                healthCheck(body.get("healthCheck")),
                string(body, "runAs", false),
                o.list("--depends-on"),
                issuedAt);
        JsonObject signature = new JsonObject();
        signature.addProperty("keyId", ReleaseKeys.id(pair.getPublic()));
        signature.addProperty("issuedAt", manifest.issuedAt().toString());
        signature.addProperty("value", Base64.getEncoder().encodeToString(ReleaseKeys.sign(key, manifest.canonical())));
        body.add("signature", signature);
        out.println(GSON.toJson(body));
    }

    private void keys(Options o) throws UsageError, IOException {
        KeyPair pair = keyPair(o.required("--key"));
        PrivateKey key = pair.getPrivate();
        List<ReleaseKeySet.TrustedKey> trusted = new ArrayList<>();
        for (String file : o.positional()) {
            try {
                PublicKey pub = Pem.parsePublicKey(Files.readString(Path.of(file), StandardCharsets.US_ASCII));
                String name = Path.of(file).getFileName().toString().replaceFirst("\\.pub$", "");
                trusted.add(ReleaseKeySet.TrustedKey.of(pub.getEncoded(), name));
            } catch (GeneralSecurityException | IOException e) {
                throw new UsageError(file + ": not a public key file (" + e.getMessage() + ")");
            }
        }
        ReleaseKeySet set;
        try {
            set = new ReleaseKeySet(
                    o.required("--environment"),
                    o.number("--version"),
                    o.flag("--require"),
                    trusted,
                    o.instant("--issued-at", clock.instant()));
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", set.version());
        body.put("requireSignatures", set.requireSignatures());
        body.put("issuedAt", set.issuedAt().toString());
        body.put(
                "keys",
                set.keys().stream()
                        .map(k -> Map.of(
                                "name",
                                k.name(),
                                "publicKey",
                                Base64.getEncoder().encodeToString(k.publicKey())))
                        .toList());
        body.put("signedBy", ReleaseKeys.id(pair.getPublic()));
        body.put("signature", Base64.getEncoder().encodeToString(ReleaseKeys.sign(key, set.canonical())));
        out.println(GSON.toJson(body));
    }

    /**
     * The key pair in a key file made by {@code keygen}: the private key and, beside it in the same
     * file (or in the {@code .pub} file next to it), the public key.
     */
    private static KeyPair keyPair(String file) throws UsageError {
        try {
            String text = Files.readString(Path.of(file), StandardCharsets.US_ASCII);
            PrivateKey key = Pem.parsePrivateKey(text);
            if (!key.getAlgorithm().equals("Ed25519") && !key.getAlgorithm().equals("EdDSA")) {
                throw new UsageError(file + ": not an Ed25519 key (make one with: keygen NAME)");
            }
            Path pubFile = Path.of(file.replaceFirst("\\.key$", "") + ".pub");
            String publicText =
                    text.contains("BEGIN PUBLIC KEY") ? text : Files.readString(pubFile, StandardCharsets.US_ASCII);
            PublicKey pub = Pem.parsePublicKey(publicText);
            byte[] probe = "tide".getBytes(StandardCharsets.US_ASCII);
            if (!ReleaseKeys.verify(pub, probe, ReleaseKeys.sign(key, probe))) {
                throw new UsageError(file + ": its public key does not belong to its private key");
            }
            return new KeyPair(pub, key);
        } catch (IOException | GeneralSecurityException e) {
            throw new UsageError(file + ": cannot read the signing key and its public key (" + e.getMessage() + ")");
        }
    }

    private static JsonObject json(String file) throws UsageError {
        try {
            JsonElement parsed = JsonParser.parseString(Files.readString(Path.of(file), StandardCharsets.UTF_8));
            if (!parsed.isJsonObject()) {
                throw new UsageError(file + ": expected a JSON object (the release body)");
            }
            return parsed.getAsJsonObject();
        } catch (IOException e) {
            throw new UsageError(file + ": cannot read (" + e.getMessage() + ")");
        } catch (JsonParseException e) {
            throw new UsageError(file + ": not valid JSON (" + e.getMessage() + ")");
        }
    }

    private static String string(JsonObject body, String field, boolean required) throws UsageError {
        JsonElement e = body.get(field);
        if (e == null || e.isJsonNull()) {
            if (required) {
                throw new UsageError("release: '" + field + "' is required");
            }
            return null;
        }
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
            throw new UsageError("release: '" + field + "' must be a string");
        }
        return e.getAsString();
    }

    private static List<String> strings(JsonElement e, String field) throws UsageError {
        List<String> out = new ArrayList<>();
        if (e == null || e.isJsonNull()) {
            return out;
        }
        if (!e.isJsonArray()) {
            throw new UsageError("release: '" + field + "' must be an array of strings");
        }
        for (JsonElement item : e.getAsJsonArray()) {
            if (!item.isJsonPrimitive()) {
                throw new UsageError("release: '" + field + "' must be an array of strings");
            }
            out.add(item.getAsString());
        }
        return out;
    }

    private static Map<String, String> map(JsonElement e, String field) throws UsageError {
        Map<String, String> out = new LinkedHashMap<>();
        if (e == null || e.isJsonNull()) {
            return out;
        }
        if (!e.isJsonObject()) {
            throw new UsageError("release: '" + field + "' must be an object of strings");
        }
        for (Map.Entry<String, JsonElement> entry : e.getAsJsonObject().entrySet()) {
            if (!entry.getValue().isJsonPrimitive()) {
                throw new UsageError("release: '" + field + "." + entry.getKey() + "' must be a string");
            }
            out.put(entry.getKey(), entry.getValue().getAsString());
        }
        return out;
    }

    /** The health check as the control plane stores it, with its effective timeout (default 30 s). */
    private static Map<String, Object> healthCheck(JsonElement e) throws UsageError {
        if (e == null || e.isJsonNull()) {
            return null;
        }
        if (!e.isJsonObject()) {
            throw new UsageError("release: 'healthCheck' must be an object");
        }
        JsonObject h = e.getAsJsonObject();
        int timeout = h.has("timeoutSeconds") ? h.get("timeoutSeconds").getAsInt() : 30;
        if (h.has("http")) {
            JsonObject http = h.getAsJsonObject("http");
            return ReleaseManifest.httpCheck(
                    http.get("port").getAsString(),
                    http.has("path") ? http.get("path").getAsString() : "/",
                    timeout);
        }
        if (h.has("tcp")) {
            return ReleaseManifest.tcpCheck(h.getAsJsonObject("tcp").get("port").getAsString(), timeout);
        }
        if (h.has("command")) {
            JsonArray argv = h.getAsJsonArray("command");
            return ReleaseManifest.commandCheck(strings(argv, "healthCheck.command"), timeout);
        }
        throw new UsageError("release: 'healthCheck' needs one of http, tcp or command");
    }

    /** A mistake in the command line or its files. */
    static final class UsageError extends Exception {
        UsageError(String message) {
            super(message);
        }
    }

    private static final String USAGE = """
            usage: tide sign COMMAND ...
              keygen NAME                       new Ed25519 release key: NAME.key (0600) and NAME.pub
              release --key K.key --application APP [--depends-on a,b] [--issued-at T] RELEASE.json
                                                prints the release body with its signature added
              keys --key K.key --environment ENV --version N [--require] [--issued-at T] PUB...
                                                prints a signed release key set trusting the PUB files
            """;
}
