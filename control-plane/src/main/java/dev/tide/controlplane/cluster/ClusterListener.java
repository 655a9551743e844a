package dev.tide.controlplane.cluster;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Listens for the other replicas' changes on one connection of its own, and hands each message to
 * the subscriber of its topic, in order, on one apply thread. Whenever the connection is (re)made,
 * notifications may have been missed while it was down, so every subscriber resyncs: compares
 * what it cached with the database and wakes what moved. Between notifications, every fallback
 * interval, each subscriber's fingerprint query runs on the same connection; one that moved makes
 * its subscriber resync, so a notification lost any other way costs at most that interval. A lost
 * connection is a warning, never an error: it is opened again with jittered exponential backoff.
 */
@Component
class ClusterListener implements SmartLifecycle {
    private static final Logger log = LoggerFactory.getLogger(ClusterListener.class);
    /** How long one wait for notifications lasts: bounds how late a stop or a fallback check is. */
    private static final int RECEIVE_TIMEOUT_MILLIS = 500;

    private final DataSource dataSource;
    private final ClusterBus bus;
    private final ClusterProperties properties;
    private final List<ClusterSubscriber> subscribers;
    private final Map<String, ClusterSubscriber> byTopic = new HashMap<>();
    private final Clock clock;
    private final Counter received;
    private final Counter rejected;
    private final Counter reconnects;
    private final MeterRegistry meters;
    /** Subscribers whose message failed to apply: they resync at the next check. */
    private final Set<ClusterSubscriber> failed = ConcurrentHashMap.newKeySet();

    private final Map<ClusterSubscriber, String> fingerprints = new HashMap<>();
    private final Object pause = new Object();
    private ExecutorService apply;
    private volatile Thread thread;
    private volatile boolean running;
    private volatile boolean listening;
    private volatile Connection connection;

    ClusterListener(
            DataSource dataSource,
            ClusterBus bus,
            ClusterProperties properties,
            List<ClusterSubscriber> subscribers,
            Clock clock,
            MeterRegistry meters) {
        this.dataSource = dataSource;
        this.bus = bus;
        this.properties = properties;
        this.subscribers = subscribers;
        this.clock = clock;
        this.meters = meters;
        subscribers.forEach(s -> s.topics().forEach(t -> byTopic.put(t, s)));
        this.received = Counter.builder("tide.cluster.notifications.received")
                .description("Change notifications received from the other control-plane replicas")
                .register(meters);
        this.rejected = Counter.builder("tide.cluster.notifications.rejected")
                .description("Notifications on the cluster channel that were not Tide payloads")
                .register(meters);
        this.reconnects = Counter.builder("tide.cluster.reconnects")
                .description("Times the cluster listen connection was opened again after a loss")
                .register(meters);
        Gauge.builder("tide.cluster.listening", this, l -> l.listening ? 1 : 0)
                .description("1 while this replica listens for the other replicas' changes")
                .register(meters);
    }

    @Override
    public synchronized void start() {
        if (!properties.enabled() || running) {
            return;
        }
        running = true;
        apply = Executors.newSingleThreadExecutor(r -> daemon(r, "tide-cluster-apply"));
        thread = daemon(this::run, "tide-cluster-listen");
        thread.start();
    }

    @Override
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        synchronized (pause) {
            pause.notifyAll();
        }
        try {
            thread.join(RECEIVE_TIMEOUT_MILLIS * 4L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(connection);
        apply.shutdownNow();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** True while the listen connection is open and listening. */
    boolean listening() {
        return listening;
    }

    private void run() {
        Duration delay = properties.reconnectMinDelay();
        boolean connectedBefore = false;
        boolean lost = false;
        while (running) {
            try (Connection c = ListenConnection.open(dataSource, "tide-cluster " + bus.replicaId())) {
                connection = c;
                try (Statement s = c.createStatement()) {
                    s.execute("LISTEN " + properties.channel());
                }
                listening = true;
                if (connectedBefore) {
                    reconnects.increment();
                }
                if (lost) {
                    log.info("Listening for the other replicas' changes again; catching up with the database");
                }
                connectedBefore = true;
                lost = false;
                delay = properties.reconnectMinDelay();
                // Listening first, then the catch-up: a change after LISTEN arrives as a notification,
                // one before it is found by the resync.
                fingerprints.clear();
                checkFingerprints(c, false);
                resyncAll("connect");
                receive(c);
            } catch (SQLException | RuntimeException e) {
                listening = false;
                if (!running) {
                    break;
                }
                if (lost) {
                    log.debug("Cluster listen connection still unavailable: {}", e.toString());
                } else if (e instanceof SQLException) {
                    log.warn(
                            "Lost the cluster listen connection ({}); other replicas' changes are caught up"
                                    + " once it is back",
                            e.toString());
                    lost = true;
                } else {
                    log.warn("Cluster listener failed; listening again and catching up", e);
                    lost = true;
                }
                waitBeforeRetry(delay);
                delay = delay.multipliedBy(2).compareTo(properties.reconnectMaxDelay()) > 0
                        ? properties.reconnectMaxDelay()
                        : delay.multipliedBy(2);
            } finally {
                listening = false;
                connection = null;
            }
        }
    }

    private void receive(Connection c) throws SQLException {
        PGConnection pg = c.unwrap(PGConnection.class);
        long nextCheck = now() + properties.fallbackInterval().toMillis();
        while (running) {
            PGNotification[] notifications = pg.getNotifications(RECEIVE_TIMEOUT_MILLIS);
            if (notifications != null) {
                for (PGNotification n : notifications) {
                    handle(n.getParameter());
                }
            }
            if (now() >= nextCheck) {
                checkFingerprints(c, true);
                nextCheck = now() + properties.fallbackInterval().toMillis();
            }
        }
    }

    /** Clock.millis() of Java 17's tick clock divides by zero for a tick under a millisecond. */
    private long now() {
        return clock.instant().toEpochMilli();
    }

    private void handle(String payload) {
        ClusterCodec.Decoded decoded;
        try {
            decoded = ClusterCodec.decode(payload);
        } catch (IllegalArgumentException e) {
            rejected.increment();
            log.warn(
                    "Ignored a notification on channel {} that is not a Tide payload: {}",
                    properties.channel(),
                    e.getMessage());
            return;
        }
        if (decoded.replica().equals(bus.replicaId())) {
            return; // this replica's own change: its caches heard of it in-process
        }
        received.increment();
        for (ClusterMessage m : decoded.messages()) {
            if (m.topic().equals(ClusterCodec.RESYNC_TOPIC)) {
                resyncAll("requested");
                continue;
            }
            ClusterSubscriber subscriber = byTopic.get(m.topic());
            if (subscriber == null) {
                log.debug("No subscriber for cluster topic {} (a newer replica?); ignored", m.topic());
                continue;
            }
            apply.execute(() -> {
                try {
                    subscriber.received(m);
                } catch (RuntimeException e) {
                    failed.add(subscriber);
                    log.warn(
                            "Could not apply another replica's change {} ({}); resyncing at the next check",
                            m,
                            e.toString());
                }
            });
        }
    }

    /** Runs each fingerprint query; with {@code act}, a subscriber whose fingerprint moved resyncs. */
    private void checkFingerprints(Connection c, boolean act) throws SQLException {
        for (ClusterSubscriber s : subscribers) {
            String query = s.fingerprintQuery();
            boolean retry = failed.remove(s);
            if (query == null) {
                if (act && retry) {
                    resync(s, "failure");
                }
                continue;
            }
            String now;
            try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery(query)) {
                now = rs.next() ? rs.getString(1) : "";
            }
            String before = fingerprints.put(s, now);
            if (act && (retry || (before != null && !before.equals(now)))) {
                resync(s, retry ? "failure" : "fallback");
            }
        }
    }

    private void resyncAll(String reason) {
        subscribers.forEach(s -> resync(s, reason));
    }

    private void resync(ClusterSubscriber s, String reason) {
        meters.counter("tide.cluster.resyncs", "reason", reason).increment();
        apply.execute(() -> {
            try {
                s.resync();
            } catch (RuntimeException e) {
                failed.add(s);
                log.warn("Cluster resync of {} failed ({}); trying again at the next check", s.topics(), e.toString());
            }
        });
    }

    private void waitBeforeRetry(Duration delay) {
        long millis = delay.toMillis() / 2 + ThreadLocalRandom.current().nextLong(delay.toMillis() / 2 + 1);
        synchronized (pause) {
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
            for (long left = millis;
                    running && left > 0;
                    left = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())) {
                try {
                    pause.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException | RuntimeException e) {
                log.debug("Closing the cluster listen connection: {}", e.toString());
            }
        }
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
