package dev.tide.security;

import java.net.Socket;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * Presents whatever key material was set last, so a renewed certificate is used by the next
 * handshake without rebuilding any TLS context. Presents nothing while none is set (an agent before
 * it enrolls). Each material gets its own alias, so a handshake that chose an alias gets the key
 * and chain of the same material even if a renewal lands in between.
 */
public final class ReloadableKeyManager extends X509ExtendedKeyManager {
    private record Entry(String alias, KeyMaterial material) {}

    private final AtomicReference<Entry> current = new AtomicReference<>();
    private final Map<String, KeyMaterial> recent = new ConcurrentHashMap<>();
    private final AtomicLong versions = new AtomicLong();

    public ReloadableKeyManager() {}

    public ReloadableKeyManager(KeyMaterial material) {
        set(material);
    }

    public void set(KeyMaterial material) {
        Entry entry = new Entry("tide-" + versions.incrementAndGet(), material);
        recent.put(entry.alias(), material);
        Entry previous = current.getAndSet(entry);
        if (previous != null) {
            // Keep the one before for a handshake that is choosing right now; drop anything older.
            recent.keySet().removeIf(a -> !a.equals(entry.alias()) && !a.equals(previous.alias()));
        }
    }

    public Optional<KeyMaterial> current() {
        return Optional.ofNullable(current.get()).map(Entry::material);
    }

    /**
     * The current alias if its key is of one of the asked types ("EC", "RSA"...; TLS asks once per
     * signature scheme, and an EC key must not be offered for an RSA scheme).
     */
    private String alias(String... keyTypes) {
        Entry entry = current.get();
        if (entry == null) {
            return null;
        }
        String algorithm = entry.material().privateKey().getAlgorithm();
        for (String type : keyTypes) {
            if (type == null || type.equals(algorithm) || type.startsWith(algorithm + "_")) {
                return entry.alias();
            }
        }
        return null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        String alias = alias(keyType);
        return alias == null ? null : new String[] {alias};
    }

    @Override
    public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
        return alias(keyType);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
        return alias(keyType);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return alias(keyType);
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return alias(keyType);
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        KeyMaterial material = alias == null ? null : recent.get(alias);
        return material == null ? null : material.chain().toArray(X509Certificate[]::new);
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        KeyMaterial material = alias == null ? null : recent.get(alias);
        return material == null ? null : material.privateKey();
    }
}
