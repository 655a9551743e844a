package dev.tide.security.release;

import dev.tide.security.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Signing a release body ({@code POST /applications/APP/releases}) on the releaser's machine, as
 * {@code ./tide sign release} and {@code tide release create --sign-key} both do: the body's
 * manifest, the signing key read from its file, and the {@code signature} field to add. The body is
 * JSON as plain Java values (maps, lists, strings, numbers).
 */
public final class ReleaseBodies {
    private ReleaseBodies() {}

    /** The {@code signature} field of a release body, signed with {@code key} over {@code manifest}. */
    public static Map<String, Object> signature(KeyPair key, ReleaseManifest manifest) {
        Map<String, Object> signature = new LinkedHashMap<>();
        signature.put("keyId", ReleaseKeys.id(key.getPublic()));
        signature.put("issuedAt", manifest.issuedAt().toString());
        signature.put(
                "value", Base64.getEncoder().encodeToString(ReleaseKeys.sign(key.getPrivate(), manifest.canonical())));
        return signature;
    }

    /**
     * The manifest of a release body as the control plane will build it.
     *
     * @throws IllegalArgumentException naming the field that is missing or of the wrong shape
     */
    public static ReleaseManifest manifest(
            String application, Map<String, ?> body, List<String> dependsOn, Instant issuedAt) {
        return new ReleaseManifest(
                application,
                string(body, "version", true),
                string(body, "artifactSha256", true),
                strings(body.get("start"), "start"),
                map(body.get("env"), "env"),
                new ArrayList<>(map(body.get("secretEnv"), "secretEnv").keySet()),
                map(body.get("configFiles"), "configFiles"),
                healthCheck(body.get("healthCheck")),
                string(body, "runAs", false),
                dependsOn,
                issuedAt);
    }

    /**
     * The key pair in a key file made by {@code ./tide sign keygen}: the private key and, beside it
     * in the same file (or in the {@code .pub} file next to it), the public key.
     *
     * @throws IllegalArgumentException naming the file and what is wrong with it
     */
    public static KeyPair readKeyPair(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.US_ASCII);
            PrivateKey key = Pem.parsePrivateKey(text);
            if (!key.getAlgorithm().equals("Ed25519") && !key.getAlgorithm().equals("EdDSA")) {
                throw new IllegalArgumentException(
                        file + ": not an Ed25519 key (make one with: tide sign keygen NAME)");
            }
            Path pubFile = file.resolveSibling(file.getFileName().toString().replaceFirst("\\.key$", "") + ".pub");
            String publicText =
                    text.contains("BEGIN PUBLIC KEY") ? text : Files.readString(pubFile, StandardCharsets.US_ASCII);
            PublicKey pub = Pem.parsePublicKey(publicText);
            byte[] probe = "tide".getBytes(StandardCharsets.US_ASCII);
            if (!ReleaseKeys.verify(pub, probe, ReleaseKeys.sign(key, probe))) {
                throw new IllegalArgumentException(file + ": its public key does not belong to its private key");
            }
            return new KeyPair(pub, key);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException(
                    file + ": cannot read the signing key and its public key (" + e.getMessage() + ")", e);
        }
    }

    private static String string(Map<String, ?> body, String field, boolean required) {
        Object value = body.get(field);
        if (value == null) {
            if (required) {
                throw new IllegalArgumentException("release: '" + field + "' is required");
            }
            return null;
        }
        if (!(value instanceof String s)) {
            throw new IllegalArgumentException("release: '" + field + "' must be a string");
        }
        return s;
    }

    private static List<String> strings(Object value, String field) {
        List<String> out = new ArrayList<>();
        if (value == null) {
            return out;
        }
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException("release: '" + field + "' must be an array of strings");
        }
        for (Object item : list) {
            if (!(item instanceof String || item instanceof Number || item instanceof Boolean)) {
                throw new IllegalArgumentException("release: '" + field + "' must be an array of strings");
            }
            out.add(scalar(item));
        }
        return out;
    }

    private static Map<String, String> map(Object value, String field) {
        Map<String, String> out = new LinkedHashMap<>();
        if (value == null) {
            return out;
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("release: '" + field + "' must be an object of strings");
        }
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            Object v = entry.getValue();
            if (!(v instanceof String || v instanceof Number || v instanceof Boolean)) {
                throw new IllegalArgumentException("release: '" + field + "." + entry.getKey() + "' must be a string");
            }
            out.put(String.valueOf(entry.getKey()), scalar(v));
        }
        return out;
    }

    /** The health check as the control plane stores it, with its effective timeout (default 30 s). */
    private static Map<String, Object> healthCheck(Object value) {
        if (value == null) {
            return null;
        }
        if (!(value instanceof Map<?, ?> h)) {
            throw new IllegalArgumentException("release: 'healthCheck' must be an object");
        }
        int timeout = h.get("timeoutSeconds") instanceof Number n ? n.intValue() : 30;
        if (h.get("http") instanceof Map<?, ?> http) {
            Object path = http.get("path");
            return ReleaseManifest.httpCheck(scalar(http.get("port")), path == null ? "/" : scalar(path), timeout);
        }
        if (h.get("tcp") instanceof Map<?, ?> tcp) {
            return ReleaseManifest.tcpCheck(scalar(tcp.get("port")), timeout);
        }
        if (h.containsKey("command")) {
            return ReleaseManifest.commandCheck(strings(h.get("command"), "healthCheck.command"), timeout);
        }
        throw new IllegalArgumentException("release: 'healthCheck' needs one of http, tcp or command");
    }

    /** A JSON scalar as the API reads it into a string: 8081, not 8081.0. */
    private static String scalar(Object value) {
        if (value instanceof Double d && d == Math.rint(d) && !d.isInfinite()) {
            return Long.toString(d.longValue());
        }
        return String.valueOf(value);
    }
}
