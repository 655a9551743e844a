package dev.tide.controlplane.delivery;

import dev.tide.controlplane.system.TideProperties;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.stereotype.Component;

/**
 * The secret the control plane presents when it opens a push session to an agent. Derived as
 * HMAC-SHA256(key, node id), so nothing per node is stored: the agent keeps only a hash of it.
 * The key lives in a file under the data directory (mode 0600), shared by all replicas.
 */
@Component
class SessionTokens {
    static final String PREFIX = "tide_session_";
    private final byte[] key;

    SessionTokens(DeliveryProperties delivery, TideProperties tide) throws IOException {
        Path file = delivery.sessionKeyFile() != null
                ? delivery.sessionKeyFile()
                : tide.dataDir().resolve("session.key");
        this.key = loadOrCreate(file.toAbsolutePath());
    }

    String forNode(UUID nodeId) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            byte[] tag = mac.doFinal(nodeId.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
        }
    }

    private static byte[] loadOrCreate(Path file) throws IOException {
        if (Files.exists(file)) {
            byte[] stored = Base64.getDecoder().decode(Files.readString(file).trim());
            if (stored.length < 32) {
                throw new IllegalStateException(file + " holds a key shorter than 32 bytes");
            }
            return stored;
        }
        byte[] fresh = new byte[32];
        new SecureRandom().nextBytes(fresh);
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, Base64.getEncoder().encodeToString(fresh));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return fresh;
    }
}
