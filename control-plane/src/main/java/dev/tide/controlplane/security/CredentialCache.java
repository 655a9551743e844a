package dev.tide.controlplane.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.security.core.Authentication;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;

/**
 * User names and passwords that bcrypt accepted a moment ago, so that a script calling the API
 * with HTTP Basic costs one bcrypt per TTL instead of one per request. Entries are keyed by an
 * HMAC of name and password under a key that lives only in this process: neither the password
 * nor a hash that could be attacked offline is kept. Bounded in size and time; a change to the
 * user drops their entries when it commits, and a check that began before a change is not cached.
 */
@Component
class CredentialCache {
    private final LoginProperties properties;
    private final Clock clock;
    private final SecretKeySpec key;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    private long changes;

    private record Entry(String user, Authentication authentication, Instant expiresAt) {}

    CredentialCache(LoginProperties properties, Clock clock) {
        this.properties = properties;
        this.clock = clock;
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        this.key = new SecretKeySpec(secret, "HmacSHA256");
    }

    /** The authentication bcrypt gave these credentials, while it is fresh. */
    Optional<Authentication> get(String user, String password) {
        String id = id(user, password);
        Entry entry = entries.get(id);
        if (entry == null) {
            return Optional.empty();
        }
        if (!clock.instant().isBefore(entry.expiresAt()) || !entry.user().equals(user)) {
            entries.remove(id, entry);
            return Optional.empty();
        }
        return Optional.of(entry.authentication());
    }

    /** A token to pass back to {@link #put}: the state of the users a check started from. */
    synchronized long version() {
        return changes;
    }

    /** Remembers a successful check, unless a user changed since it started or the cache is full. */
    synchronized void put(String user, String password, Authentication authentication, long version) {
        if (version != changes || properties.credentialCacheTtl().isZero()) {
            return;
        }
        Instant now = clock.instant();
        if (entries.size() >= properties.credentialCacheSize()) {
            entries.values().removeIf(e -> !now.isBefore(e.expiresAt()));
            if (entries.size() >= properties.credentialCacheSize()) {
                return;
            }
        }
        entries.put(id(user, password), new Entry(user, authentication, now.plus(properties.credentialCacheTtl())));
    }

    @TransactionalEventListener(fallbackExecution = true)
    synchronized void on(UserChanged changed) {
        changes++;
        entries.values().removeIf(e -> e.user().equals(changed.name()));
    }

    /** Forgets everything: users may have changed on another replica while its notices were missed. */
    synchronized void clear() {
        changes++;
        entries.clear();
    }

    private String id(String user, String password) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            mac.update(user.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return HexFormat.of().formatHex(mac.doFinal(password.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required by every Java platform", e);
        }
    }
}
