package dev.tide.controlplane.releasekey;

import dev.tide.security.release.ReleaseKeySet;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.hibernate.annotations.Immutable;
import org.hibernate.annotations.JdbcTypeCode;
import org.hibernate.type.SqlTypes;

/** One version of an environment's release key set, stored as it was signed. */
@Entity
@Immutable
@Table(name = "release_key_set")
@IdClass(KeySetVersion.Key.class)
class KeySetVersion {
    /** Composite key: environment and version. */
    record Key(String environment, long version) implements Serializable {
        Key() {
            this(null, 0);
        }
    }

    /** A trusted key as stored: its id, a name for people, and the base64 of its X.509 DER. */
    public record StoredKey(String id, String name, String publicKey) {}

    @Id
    private String environment;

    @Id
    private long version;

    @Column(name = "require_signatures", nullable = false)
    private boolean requireSignatures;

    @JdbcTypeCode(SqlTypes.JSON)
    @Column(nullable = false, columnDefinition = "jsonb")
    private List<StoredKey> keys;

    @Column(name = "issued_at", nullable = false)
    private Instant issuedAt;

    @Column(name = "signed_by", nullable = false)
    private String signedBy;

    @Column(nullable = false)
    private byte[] signature;

    @Column(name = "created_by", nullable = false)
    private String createdBy;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected KeySetVersion() {}

    KeySetVersion(ReleaseKeySet.Signed signed, String createdBy, Instant now) {
        ReleaseKeySet set = signed.keySet();
        this.environment = set.environment();
        this.version = set.version();
        this.requireSignatures = set.requireSignatures();
        this.keys = set.keys().stream()
                .map(k -> new StoredKey(k.id(), k.name(), Base64.getEncoder().encodeToString(k.publicKey())))
                .toList();
        this.issuedAt = set.issuedAt();
        this.signedBy = signed.signedBy();
        this.signature = signed.signature().clone();
        this.createdBy = createdBy;
        this.createdAt = now;
    }

    /** The signed set, as agents are given it. */
    ReleaseKeySet.Signed signed() {
        List<ReleaseKeySet.TrustedKey> trusted = keys.stream()
                .map(k ->
                        new ReleaseKeySet.TrustedKey(k.id(), Base64.getDecoder().decode(k.publicKey()), k.name()))
                .toList();
        return new ReleaseKeySet.Signed(
                new ReleaseKeySet(environment, version, requireSignatures, trusted, issuedAt),
                signedBy,
                signature.clone());
    }

    List<StoredKey> getKeys() {
        return keys;
    }

    String getCreatedBy() {
        return createdBy;
    }

    Instant getCreatedAt() {
        return createdAt;
    }
}
