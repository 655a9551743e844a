package dev.tide.controlplane;

import dev.tide.security.release.ReleaseKeySet;
import dev.tide.security.release.ReleaseKeys;
import dev.tide.security.release.ReleaseManifest;
import java.security.KeyPair;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the people who release do outside the control plane, for tests: make Ed25519 keys, sign
 * key sets and sign release bodies over their manifest, with the defaults a signer applies (an
 * http check's path {@code /}, a timeout of 30 s).
 */
public final class ReleaseSigning {
    private ReleaseSigning() {}

    public static KeyPair newKey() {
        return ReleaseKeys.generate();
    }

    public static String keyId(KeyPair key) {
        return ReleaseKeys.id(key.getPublic());
    }

    /** Now, to the second, as signatures carry it. */
    public static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS);
    }

    /** The body of {@code PUT /environments/{env}/release-keys}: the set trusting {@code keys}, signed by {@code signer}. */
    public static Map<String, Object> keySet(
            String environment, long version, boolean requireSignatures, List<KeyPair> keys, KeyPair signer) {
        Instant issuedAt = now();
        ReleaseKeySet set = new ReleaseKeySet(
                environment,
                version,
                requireSignatures,
                keys.stream()
                        .map(k -> ReleaseKeySet.TrustedKey.of(k.getPublic().getEncoded(), name(k)))
                        .toList(),
                issuedAt);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("version", version);
        body.put("requireSignatures", requireSignatures);
        body.put("issuedAt", issuedAt.toString());
        body.put(
                "keys",
                keys.stream()
                        .map(k -> Map.of(
                                "name",
                                name(k),
                                "publicKey",
                                base64(k.getPublic().getEncoded())))
                        .toList());
        body.put("signedBy", keyId(signer));
        body.put("signature", base64(ReleaseKeys.sign(signer.getPrivate(), set.canonical())));
        return body;
    }

    /**
     * Signs a release body (as POSTed to {@code /applications/{app}/releases}) for an application
     * with these dependencies, and adds the {@code signature} object to it.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> sign(
            Map<String, Object> body, String application, List<String> dependsOn, KeyPair key, Instant issuedAt) {
        Map<String, String> secretEnv = (Map<String, String>) body.getOrDefault("secretEnv", Map.of());
        ReleaseManifest manifest = new ReleaseManifest(
                application,
                (String) body.get("version"),
                (String) body.get("artifactSha256"),
                (List<String>) body.get("start"),
                (Map<String, String>) body.get("env"),
                new ArrayList<>(secretEnv.keySet()),
                (Map<String, String>) body.get("configFiles"),
                healthCheck((Map<String, Object>) body.get("healthCheck")),
                (String) body.get("runAs"),
                dependsOn,
                issuedAt);
        Map<String, Object> signed = new LinkedHashMap<>(body);
        signed.put(
                "signature",
                Map.of(
                        "keyId", keyId(key),
                        "issuedAt", issuedAt.toString(),
                        "value", base64(ReleaseKeys.sign(key.getPrivate(), manifest.canonical()))));
        return signed;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> healthCheck(Map<String, Object> check) {
        if (check == null) {
            return null;
        }
        int timeout = (Integer) check.getOrDefault("timeoutSeconds", 30);
        if (check.get("http") instanceof Map<?, ?> http) {
            return ReleaseManifest.httpCheck(
                    String.valueOf(http.get("port")),
                    http.get("path") == null ? "/" : (String) http.get("path"),
                    timeout);
        }
        if (check.get("tcp") instanceof Map<?, ?> tcp) {
            return ReleaseManifest.tcpCheck(String.valueOf(tcp.get("port")), timeout);
        }
        return ReleaseManifest.commandCheck((List<String>) check.get("command"), timeout);
    }

    private static String name(KeyPair key) {
        return "key " + keyId(key).substring(0, 8);
    }

    public static String base64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }
}
