package dev.tide.controlplane.system;

import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Secrets every control-plane replica must hold the same of (the agent CA), kept in the database
 * rather than in one replica's data dir. Whoever asks first creates the value; replicas that start
 * together race on one insert and all read the winner's.
 */
@Component
public class SharedSecrets {
    private final JdbcTemplate jdbc;

    public SharedSecrets(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<String> get(String name) {
        return jdbc.query("select value from shared_secret where name = ?", (rs, i) -> rs.getString(1), name).stream()
                .findFirst();
    }

    /**
     * The value of {@code name}; when there is none yet, {@code create}'s value is stored unless
     * another replica stored one first, and the stored one is returned either way.
     */
    public String getOrCreate(String name, Supplier<String> create) {
        Optional<String> existing = get(name);
        if (existing.isPresent()) {
            return existing.get();
        }
        jdbc.update(
                "insert into shared_secret (name, value) values (?, ?) on conflict (name) do nothing",
                name,
                create.get());
        return get(name).orElseThrow(() -> new IllegalStateException("shared secret " + name + " vanished"));
    }
}
