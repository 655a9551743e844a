package dev.tide.controlplane.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.security.authentication.InternalAuthenticationServiceException;
import org.springframework.stereotype.Component;

/**
 * Counts failed password sign-ins per user name and per client address, in the database, so that
 * every replica counts the same failures. A key with too many failures in the window is locked;
 * while either key of an attempt is locked the attempt is refused before any password is compared,
 * so guessing stops and so does the bcrypt work it costs. Each lock of a key that keeps failing
 * lasts twice the one before, up to a maximum. A success clears the user's key but not the
 * address's: one valid account must not reset the count of a client that guesses other users'
 * passwords. Decisions only; the caller audits.
 *
 * <p>One statement per step: {@link #retryAfter} reads at most two rows by key; {@link #failed} is
 * one upsert that decides in the database whether this failure locks a key, so failures arriving
 * at once on several replicas are counted one after the other under the row lock; {@link
 * #succeeded} deletes one row. {@link #purge} deletes the rows of keys quiet for a whole window.
 * Times are this process's clock: replicas' clocks kept in step (NTP) agree far closer than the
 * seconds a lock lasts.
 */
@Component
class LoginThrottle {
    private static final int MAX_NAME = 128;

    /*
     * The next state of a key after one more failed password, from its row before ({row}): the
     * stored row, or, for a key not stored yet, an empty one that counts as forgotten. One set of
     * formulas for both, so that a first failure and a later one follow the same rules.
     */
    private static final String NOW = "cast(:now as timestamptz)";
    private static final String WINDOW = "(cast(:window as bigint) * interval '1 microsecond')";
    private static final String LOCKED = "{row}.locked_until > " + NOW;
    private static final String FORGOTTEN = "{row}.forget_at <= " + NOW;
    private static final String NEW_WINDOW =
            "(" + FORGOTTEN + " or {row}.window_start + " + WINDOW + " <= " + NOW + ")";
    private static final String COUNT = "(case when " + NEW_WINDOW + " then 1 else {row}.failures + 1 end)";
    private static final String LIMIT =
            "(case when {row}.key like 'user/%' then cast(:userLimit as int) else cast(:addressLimit as int) end)";
    private static final String LOCKS = COUNT + " >= " + LIMIT;
    private static final String PRIOR_LOCKOUTS = "(case when " + FORGOTTEN + " then 0 else {row}.lockouts end)";
    /** The first lock, doubled for each lock before it, at most the maximum. */
    private static final String LOCK_END = "(" + NOW + " + least(cast(:lockout as bigint) << least(" + PRIOR_LOCKOUTS
            + ", cast(:doublings as int)), cast(:maxLockout as bigint)) * interval '1 microsecond')";

    /** Each column and its next value. */
    private static final Map<String, String> NEXT = columns(
            "failures", "case when " + LOCKS + " then 0 else " + COUNT + " end",
            "window_start",
                    "case when " + LOCKS + " or " + NEW_WINDOW + " then " + NOW + " else {row}.window_start end",
            "locked_until", "case when " + LOCKS + " then " + LOCK_END + " else {row}.locked_until end",
            "lockouts", PRIOR_LOCKOUTS + " + case when " + LOCKS + " then 1 else 0 end",
            "forget_at", "case when " + LOCKS + " then " + LOCK_END + " else " + NOW + " end + " + WINDOW);

    /** The empty row of a key not stored yet: no failures, no lock, forgotten. */
    private static final String EMPTY = "select k.key, 0 as failures, cast('-infinity' as timestamptz) as window_start,"
            + " cast('-infinity' as timestamptz) as locked_until, 0 as lockouts,"
            + " cast('-infinity' as timestamptz) as forget_at";

    /**
     * One failure for each key, atomically: a stored key's row is locked by the conflict while its
     * next state is computed. A key locked already is left as it is (only a race gets there: the
     * attempt was refused before its password was compared otherwise) and not answered; the keys
     * answered come with their lock's end, and whether this failure locked them.
     */
    private static final String FAILED = "insert into login_throttle as t (key, " + String.join(", ", NEXT.keySet())
            + ") select e.key, " + String.join(", ", NEXT.values()).replace("{row}", "e")
            + " from unnest(cast(:keys as varchar[])) k(key) cross join lateral (" + EMPTY + ") e"
            + " on conflict (key) do update set "
            + NEXT.entrySet().stream()
                    .map(c -> c.getKey() + " = " + c.getValue().replace("{row}", "t"))
                    .collect(Collectors.joining(", "))
            + " where not (" + LOCKED.replace("{row}", "t") + ")"
            + " returning t.key, t.locked_until, " + LOCKED.replace("{row}", "t");

    private final LoginProperties properties;
    private final Clock clock;
    private final JdbcClient sql;

    LoginThrottle(LoginProperties properties, Clock clock, JdbcTemplate jdbc) {
        this.properties = properties;
        this.clock = clock;
        this.sql = JdbcClient.create(jdbc);
    }

    /** A key that has just been locked, for the audit log. */
    record Lockout(String subject, int failures, Duration lockedFor) {}

    /** How long the attempt must wait, or empty when neither the user nor the address is locked. */
    Optional<Duration> retryAfter(String user, String address) {
        Instant now = clock.instant();
        List<Instant> locks = database(() -> sql.sql(
                        "select locked_until from login_throttle where key = any(cast(:keys as varchar[]))"
                                + " and locked_until > " + NOW)
                .param("keys", keysOf(user, address))
                .param("now", at(now))
                .query((rs, i) -> rs.getObject(1, OffsetDateTime.class).toInstant())
                .list());
        return locks.stream().max(Instant::compareTo).map(until -> Duration.between(now, until));
    }

    /** Counts a failed password for the user and the address; answers the keys it locked. */
    List<Lockout> failed(String user, String address) {
        Instant now = clock.instant();
        List<Lockout> after = database(() -> sql.sql(FAILED)
                .param("keys", keysOf(user, address))
                .param("now", at(now))
                .param("window", micros(properties.failureWindow()))
                .param("userLimit", properties.maxFailures())
                .param("addressLimit", properties.maxFailuresPerAddress())
                .param("lockout", micros(properties.lockout()))
                .param("maxLockout", micros(properties.maxLockout()))
                .param("doublings", doublings())
                .query((rs, i) -> rs.getBoolean(3)
                        ? new Lockout(
                                rs.getString(1),
                                limit(rs.getString(1)),
                                Duration.between(
                                        now,
                                        rs.getObject(2, OffsetDateTime.class).toInstant()))
                        : null)
                .list());
        return after.stream().filter(Objects::nonNull).toList();
    }

    /** A correct password: the user's failures are forgotten. */
    void succeeded(String user) {
        database(() -> sql.sql("delete from login_throttle where key = :key")
                .param("key", userKey(user))
                .update());
    }

    /**
     * Deletes the rows of keys quiet for a whole window after their last failure and lock; rows
     * another replica is writing or purging at this moment are skipped, not waited for.
     */
    int purge() {
        return sql.sql("delete from login_throttle where key in"
                        + " (select key from login_throttle where forget_at <= " + NOW + " for update skip locked)")
                .param("now", at(clock.instant()))
                .update();
    }

    /** How many times the first lock doubles before it reaches the maximum. */
    private int doublings() {
        int n = 0;
        for (Duration lock = properties.lockout();
                lock.compareTo(properties.maxLockout()) < 0;
                lock = lock.multipliedBy(2)) {
            n++;
        }
        return n;
    }

    /** The database is down or refused: the sign-in fails as it does when the user cannot be read. */
    private static <T> T database(Supplier<T> work) {
        try {
            return work.get();
        } catch (DataAccessException e) {
            throw new InternalAuthenticationServiceException("sign-in throttle unavailable", e);
        }
    }

    private int limit(String key) {
        return key.startsWith("user/") ? properties.maxFailures() : properties.maxFailuresPerAddress();
    }

    private static OffsetDateTime at(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    private static long micros(Duration d) {
        return d.toNanos() / 1_000;
    }

    /** The user's key, then the address's: every statement locks them in this order, so none deadlock. */
    private static String[] keysOf(String user, String address) {
        return address == null || address.isBlank()
                ? new String[] {userKey(user)}
                : new String[] {userKey(user), "address/" + bounded(address)};
    }

    private static String userKey(String user) {
        return "user/" + bounded(user == null ? "" : user.toLowerCase(Locale.ROOT));
    }

    /** At most {@link #MAX_NAME} characters, and none that PostgreSQL text cannot hold (NUL). */
    private static String bounded(String s) {
        String cut = s.length() > MAX_NAME ? s.substring(0, MAX_NAME) : s;
        return cut.replace('\u0000', '\uFFFD');
    }

    private static Map<String, String> columns(String... nameAndValue) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < nameAndValue.length; i += 2) {
            map.put(nameAndValue[i], nameAndValue[i + 1]);
        }
        return Collections.unmodifiableMap(map);
    }
}
