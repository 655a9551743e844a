package dev.tide.agent.tool;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.tide.agent.state.AtomicFiles;
import dev.tide.security.Pem;
import dev.tide.security.release.ReleaseBodies;
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
        String application = o.required("--application");
        JsonObject body = json(o.single("FILE"));
        Instant issuedAt = o.instant("--issued-at", clock.instant());
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> fields = GSON.fromJson(body, Map.class);
            ReleaseManifest manifest = ReleaseBodies.manifest(application, fields, o.list("--depends-on"), issuedAt);
            body.add("signature", GSON.toJsonTree(ReleaseBodies.signature(pair, manifest)));
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
        }
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

    /** The key pair in a key file made by {@code keygen} (and its {@code .pub} beside it). */
    private static KeyPair keyPair(String file) throws UsageError {
        try {
            return ReleaseBodies.readKeyPair(Path.of(file));
        } catch (IllegalArgumentException e) {
            throw new UsageError(e.getMessage());
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
