package dev.tide.agent;

import dev.tide.agent.apply.AppPaths;
import dev.tide.agent.apply.ArtifactCache;
import dev.tide.agent.apply.ArtifactSource;
import dev.tide.agent.apply.Converger;
import dev.tide.agent.apply.FileModes;
import dev.tide.agent.apply.PeriodicCheck;
import dev.tide.agent.apply.Readopter;
import dev.tide.agent.apply.ReleasePreparer;
import dev.tide.agent.apply.ReleaseTrust;
import dev.tide.agent.apply.RestartHandler;
import dev.tide.agent.apply.RunAs;
import dev.tide.agent.apply.SelfUpgrade;
import dev.tide.agent.apply.Warmup;
import dev.tide.agent.exec.AgentExecutors;
import dev.tide.agent.exec.ScopedScheduler;
import dev.tide.agent.exec.SerialExecutor;
import dev.tide.agent.state.AgentState;
import dev.tide.agent.state.AtomicFiles;
import dev.tide.agent.state.EventLog;
import dev.tide.agent.state.Identity;
import dev.tide.agent.state.IdentityStore;
import dev.tide.agent.state.LocalState;
import dev.tide.agent.state.NodeContext;
import dev.tide.agent.state.StateStore;
import dev.tide.agent.supervise.LogRotator;
import dev.tide.agent.supervise.Supervisor;
import dev.tide.agent.tls.NodeTls;
import dev.tide.agent.transport.Backoff;
import dev.tide.agent.transport.CertificateRenewer;
import dev.tide.agent.transport.CheckIn;
import dev.tide.agent.transport.Enroller;
import dev.tide.agent.transport.GatewayClient;
import dev.tide.agent.transport.PullArtifactSource;
import dev.tide.agent.transport.PullLoop;
import dev.tide.agent.transport.PushServer;
import dev.tide.agent.transport.ScheduleState;
import dev.tide.agent.transport.StatusReporter;
import dev.tide.agent.upgrade.UpgradeFiles;
import dev.tide.agent.upgrade.UpgradeTrial;
import dev.tide.proto.agent.v1.DesiredState;
import dev.tide.proto.agent.v1.EnrollResponse;
import dev.tide.proto.agent.v1.Schedule;
import dev.tide.security.EnrollmentToken;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node agent: enrolls (once), serves push sessions, polls in pull mode, applies desired states
 * and supervises the applications. A library: a test or a bench runs many in one JVM; {@code
 * AgentMain} only parses flags and runs one. All workload changes (applies, restarts, re-adoption)
 * run on one serial executor, so they never race.
 */
public final class Agent implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Agent.class);

    private final AgentConfig config;
    private final AgentDependencies deps;
    private final AppPaths paths;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final CountDownLatch startFinished = new CountDownLatch(1);
    private final AtomicBoolean startCalled = new AtomicBoolean();
    private final AtomicBoolean closeCalled = new AtomicBoolean();
    private final AtomicBoolean restartRequested = new AtomicBoolean();
    private volatile Thread startThread;
    private volatile boolean stopping;
    private volatile Identity identity;
    /** Set once the agent is fully wired: push sessions are refused until then. */
    private volatile boolean ready;

    private volatile CertificateRenewer renewer;
    private NodeTls tls;
    private ReleaseTrust releaseTrust;

    private LocalState state;
    private EventLog events;
    private ScheduleState schedules;
    private ExecutorService serial;
    private ScheduledExecutorService timer;
    private Supervisor supervisor;
    private GatewayClient gateway;
    private StatusReporter reporter;
    private PushServer pushServer;
    private PullLoop pullLoop;
    private CheckIn checkIn;

    public Agent(AgentConfig config) {
        this(config, AgentDependencies.defaults());
    }

    public Agent(AgentConfig config, AgentDependencies deps) {
        this.config = config;
        this.deps = deps;
        this.paths = new AppPaths(config.dataDir());
    }

    /**
     * Starts the agent; returns once it is enrolled and its loops run. Blocks while the control
     * plane is unreachable for the first enrollment, until {@link #close()} (then it throws
     * InterruptedException). On failure, call {@link #close()} to release what was started.
     */
    public void start() throws AgentException, InterruptedException {
        if (!startCalled.compareAndSet(false, true)) {
            throw new IllegalStateException("already started");
        }
        startThread = Thread.currentThread();
        try {
            if (stopping) {
                throw new InterruptedException("agent closed before it started");
            }
            doStart();
        } finally {
            startThread = null;
            startFinished.countDown();
        }
    }

    private void doStart() throws AgentException, InterruptedException {
        IdentityStore identities = new IdentityStore(config.dataDir());
        Optional<Identity> saved;
        try {
            saved = identities.load();
            if (saved.isEmpty() && config.enrollTokenValue().isEmpty()) {
                throw new AgentException(
                        "--enroll-token: required, " + identities.file() + " does not exist yet (first start)", 2);
            }
            if (saved.isEmpty() && config.name() == null) {
                throw new AgentException("--name: required to enroll", 2);
            }
            AtomicFiles.createPrivateDirectory(config.dataDir());
            tls = NodeTls.load(config.dataDir(), deps.clock());
            releaseTrust = ReleaseTrust.load(config.dataDir());
            if (saved.isPresent() && !tls.enrolled()) {
                throw new AgentException(
                        identities.file() + " was enrolled without a certificate (before mutual TLS,"
                                + " or tls/ was removed): remove identity.json and enroll again with a new token",
                        2);
            }
            StateStore store = deps.stateStores().apply(config.dataDir());
            state = LocalState.load(store);
            events = new EventLog(deps.clock(), store.events());
            FileModes.secureDataDir(paths, state.current());
        } catch (IOException e) {
            throw new AgentException("cannot use data dir " + config.dataDir() + ": " + e.getMessage(), 1, e);
        }
        String threadPrefix = "tide-" + saved.map(Identity::nodeName).orElse(config.name());
        AgentExecutors executors = deps.executors();
        serial = executors.pool() == null
                ? Executors.newSingleThreadExecutor(r -> daemon(r, threadPrefix + "-apply"))
                : new SerialExecutor(executors.pool());
        timer = executors.timer() == null
                ? Executors.newSingleThreadScheduledExecutor(r -> daemon(r, threadPrefix + "-timer"))
                : new ScopedScheduler(executors.timer());
        supervisor = new Supervisor(deps.workloads(), serial, timer, deps.clock());
        gateway = new GatewayClient(
                () -> deps.channels().open(config.controlPlane(), config.keepAlive(), tls.clientContext()),
                config.rpcTimeout(),
                config.fetchTimeout());
        AgentState initial = state.current();
        schedules = new ScheduleState(state, initial.schedule());
        reporter = new StatusReporter(
                () -> identity.nodeId(),
                state,
                events,
                schedules,
                gateway,
                timer,
                Backoff.following(schedules, deps.random()),
                config.listen() != null,
                deps.reportDelay());
        ArtifactCache cache = new ArtifactCache(paths.artifacts());
        ReleasePreparer preparer = new ReleasePreparer(paths, config.unpackLimits(), RunAs.system());
        UpgradeFiles upgrades = config.upgradeDir() == null ? null : new UpgradeFiles(config.upgradeDir());
        SelfUpgrade selfUpgrade = new SelfUpgrade(
                state, events, upgrades, AgentVersion.get(), runningJar(), config.upgradeTimeout(), deps.clock());
        Converger converger = new Converger(
                state,
                events,
                preparer,
                supervisor,
                deps.health(),
                paths,
                config.stopGrace(),
                this::fallbackNode,
                releaseTrust,
                selfUpgrade,
                version -> restart("restarting into agent " + version));
        try {
            if (config.listen() != null) {
                pushServer = new PushServer(
                                config.listen(),
                                tls.serverContext(),
                                () -> identity.nodeId(),
                                () -> ready,
                                state,
                                schedules,
                                reporter,
                                cache,
                                deps.pushTracer(),
                                (desired, artifacts) ->
                                        serial.execute(() -> applyQuietly(converger, desired, artifacts)),
                                issued -> {
                                    CertificateRenewer r = renewer;
                                    if (r != null) {
                                        r.onIssued(issued);
                                    }
                                })
                        .start();
            }
        } catch (IOException e) {
            throw new AgentException("--listen: cannot listen on " + config.listen() + ": " + e.getMessage(), 1, e);
        }
        identity = saved.isPresent() ? saved.get() : enroll(identities);
        if (saved.isPresent() && config.name() != null && !config.name().equals(identity.nodeName())) {
            log.warn("--name {} ignored: this data dir is enrolled as {}", config.name(), identity.nodeName());
        }
        if (stopping) {
            throw new InterruptedException("agent closed while starting");
        }
        if (initial.schedule() == null) {
            schedules.update(identity.schedule());
        }
        if (initial.node() == null) {
            state.update(s -> s.withNode(fallbackNode()));
        }
        RestartHandler restarts = new RestartHandler(state, events, preparer, deps.health());
        supervisor.setListener(restarts);
        Readopter readopter = new Readopter(
                state, events, preparer, supervisor, deps.workloads(), restarts, config.stopGrace(), config.dataDir());
        serial.execute(() -> {
            try {
                readopter.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        serial.execute(() -> Warmup.run(config.dataDir())); // before any deployment, on the apply thread
        if (upgrades != null) {
            UpgradeTrial trial = new UpgradeTrial(
                    upgrades,
                    state,
                    events,
                    AgentVersion.get(),
                    deps.clock(),
                    timer,
                    () -> restart("reverting to the previous agent"));
            trial.start();
            reporter.onContact(trial::contact);
        }
        reporter.start();
        PullArtifactSource pullArtifacts = new PullArtifactSource(gateway, cache);
        pullLoop = new PullLoop(
                identity.nodeId(),
                gateway,
                schedules,
                state::appliedGeneration,
                desired -> applyLater(converger, desired, pullArtifacts),
                timer,
                Backoff.following(schedules, deps.random()),
                deps.random(),
                deps.clock(),
                pushServer != null,
                config.rpcTimeout());
        schedules.onChange(pullLoop::scheduleChanged);
        pullLoop.start();
        schedulePeriodicCheck(converger.periodicCheck(cache));
        LogRotator rotator = new LogRotator(paths.apps(), config.logMaxBytes(), config.logKeep());
        timer.scheduleWithFixedDelay(rotator, 30, 30, TimeUnit.SECONDS);
        if (pushServer != null) {
            checkIn = new CheckIn(
                    reporter,
                    schedules,
                    () -> advertisedEndpoint().map(HostPort::toString).orElse(""),
                    timer,
                    config.checkInInterval(),
                    deps.random());
            checkIn.start();
        }
        renewer = new CertificateRenewer(tls, gateway, pushServer, schedules, timer, identity.nodeName(), deps.clock());
        renewer.start();
        ready = true;
        log.info(
                "agent {} started (node {}, environment {}, mode {}, version {})",
                identity.nodeName(),
                identity.nodeId(),
                identity.environment(),
                schedules.mode(),
                AgentVersion.get());
    }

    /**
     * Every {@code --check-interval}, one round of the check on the serial executor, after whatever
     * is queued there (an apply): never more than one round queued at a time.
     */
    private void schedulePeriodicCheck(PeriodicCheck check) {
        long every = config.checkInterval().toMillis();
        if (every == 0) {
            return;
        }
        AtomicBoolean queued = new AtomicBoolean();
        timer.scheduleWithFixedDelay(
                () -> {
                    if (!stopping && queued.compareAndSet(false, true)) {
                        serial.execute(() -> {
                            try {
                                check.run();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            } catch (RuntimeException e) {
                                log.error("periodic check failed", e);
                            } finally {
                                queued.set(false);
                            }
                        });
                    }
                },
                every,
                every,
                TimeUnit.MILLISECONDS);
    }

    /**
     * Enrolls over a connection of its own that trusts only the CA the token pins and presents no
     * certificate; later calls use new connections that present the issued one.
     */
    private Identity enroll(IdentityStore identities) throws AgentException, InterruptedException {
        String endpoint = advertisedEndpoint().map(HostPort::toString).orElse("");
        EnrollmentToken token = EnrollmentToken.parse(config.enrollToken());
        String pin = token.caFingerprint()
                .orElseThrow(() -> new AgentException(
                        "--enroll-token: carries no CA fingerprint (expected <secret>.<fingerprint>, as the control"
                                + " plane shows it)",
                        2));
        GatewayClient enrolling = new GatewayClient(
                () -> deps.channels().open(config.controlPlane(), config.keepAlive(), tls.enrollmentContext(pin)),
                config.rpcTimeout(),
                config.fetchTimeout());
        try {
            Enroller enroller = new Enroller(enrolling, deps.sleepers().get(), Backoff.standard(deps.random()));
            EnrollResponse response = enroller.enroll(
                    token.secret(),
                    config.name(),
                    config.labels(),
                    endpoint,
                    AgentVersion.get(),
                    tls.certificateRequest(config.name()));
            NodeTls.checkPinned(response.getCaCertificatePem(), pin);
            tls.install(response.getCertificateChainPem(), response.getCaCertificatePem());
            releaseTrust.offer(response.getReleaseKeys()); // the first set is pinned as it comes
            Identity enrolled = new Identity(
                    response.getNodeId(),
                    config.name(),
                    response.getEnvironment(),
                    response.getSchedule(),
                    deps.clock().instant());
            identities.save(enrolled);
            return enrolled;
        } catch (IOException e) {
            throw new AgentException("cannot enroll: " + e.getMessage(), 1, e);
        } finally {
            enrolling.close();
        }
    }

    /** --advertise, else the listen address (with the real port, and this host's name for 0.0.0.0). */
    private Optional<HostPort> advertisedEndpoint() {
        if (config.advertise() != null || pushServer == null) {
            return Optional.ofNullable(config.advertise());
        }
        HostPort bound = pushServer.address();
        String host = config.listen().host();
        if (host.equals("0.0.0.0") || host.equals("::") || host.equals("*")) {
            try {
                host = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                host = "localhost";
            }
        }
        return Optional.of(new HostPort(host, bound.port()));
    }

    private NodeContext fallbackNode() {
        Identity id = identity;
        return new NodeContext(
                id != null ? id.nodeName() : config.name(), id != null ? id.environment() : "", config.labels());
    }

    /** Converges on the serial executor; completes with the outcome (RETRY_LATER when it threw). */
    private CompletableFuture<Converger.Outcome> applyLater(
            Converger converger, DesiredState desired, ArtifactSource artifacts) {
        CompletableFuture<Converger.Outcome> outcome = new CompletableFuture<>();
        serial.execute(() -> {
            try {
                outcome.complete(converger.converge(desired, artifacts));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcome.complete(Converger.Outcome.RETRY_LATER);
            } catch (RuntimeException e) {
                log.error("applying generation {} failed", desired.getGeneration(), e);
                outcome.complete(Converger.Outcome.RETRY_LATER);
            }
        });
        return outcome;
    }

    private void applyQuietly(Converger converger, DesiredState desired, ArtifactSource artifacts) {
        try {
            converger.converge(desired, artifacts);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            log.error("applying generation {} failed", desired.getGeneration(), e);
        }
        reporter.markDirty();
    }

    /**
     * Stops the loops and the listener and saves the state. Applications keep running unless
     * {@code --stop-apps-on-exit}; the next start re-adopts them.
     */
    @Override
    public void close() {
        if (!closeCalled.compareAndSet(false, true)) {
            return;
        }
        stopping = true;
        Thread starting = startThread;
        if (starting != null) {
            starting.interrupt(); // ends an enrollment that is still retrying
        }
        try {
            if (startCalled.get() && !startFinished.await(15, TimeUnit.SECONDS)) {
                log.warn("start did not finish; stopping anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (serial == null) {
            closed.countDown(); // start failed before anything ran
            return;
        }
        log.info("agent stopping");
        if (pullLoop != null) {
            pullLoop.stop();
        }
        if (renewer != null) {
            renewer.stop();
        }
        if (checkIn != null) {
            checkIn.stop();
        }
        if (pushServer != null) {
            pushServer.close();
        }
        try {
            if (serial != null) {
                serial.shutdown();
                if (!serial.awaitTermination(5, TimeUnit.SECONDS)) {
                    serial.shutdownNow();
                    serial.awaitTermination(config.stopGrace().toMillis() + 5000, TimeUnit.MILLISECONDS);
                }
            }
            if (supervisor != null) {
                if (config.stopAppsOnExit() && !restartRequested.get()) { // a restart keeps them
                    supervisor.stopAll(config.stopGrace());
                } else {
                    supervisor.detachAll();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (timer != null) {
            timer.shutdownNow();
        }
        if (state != null) {
            state.flush();
        }
        if (gateway != null) {
            gateway.close();
        }
        log.info("agent stopped");
        closed.countDown();
    }

    /**
     * Stops the agent so that its launcher starts it again (into the jar an upgrade staged): first
     * delivers the events still pending (at most 5s), so the control plane learns why.
     */
    private void restart(String why) {
        if (!restartRequested.compareAndSet(false, true)) {
            return;
        }
        log.info("{}: stopping for the launcher to start the agent again", why);
        Thread t = new Thread(
                () -> {
                    try {
                        if (!reporter.drain(Duration.ofSeconds(5))) {
                            log.warn(
                                    "some events were not delivered before the restart; they stay in events.pb for the next agent");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    close();
                },
                "tide-restart");
        t.start();
    }

    /** True when the agent stopped to be started again ({@link UpgradeFiles#RESTART_EXIT_CODE}). */
    public boolean restartRequested() {
        return restartRequested.get();
    }

    /** The jar this agent runs from, or null (classes on a class path, as in tests). */
    private static Path runningJar() {
        try {
            Path location = Path.of(Agent.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            return location.toString().endsWith(".jar") ? location : null;
        } catch (URISyntaxException | RuntimeException e) {
            return null;
        }
    }

    /** Blocks until {@link #close()} finished. */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    /** The enrolled identity (null before {@link #start()}). */
    public Identity identity() {
        return identity;
    }

    /** The certificate the agent presents now (null before it enrolled). */
    public java.security.cert.X509Certificate identityCertificate() {
        return tls == null ? null : tls.current().map(m -> m.leaf()).orElse(null);
    }

    /** The applied state as recorded. */
    public AgentState state() {
        return state.current();
    }

    public Schedule schedule() {
        return schedules.current();
    }

    /** True while the pull loop polls (false when idle in PUSH mode). */
    public boolean isPolling() {
        return pullLoop != null && pullLoop.isPolling();
    }

    /** Where push sessions are accepted, if the agent listens. */
    public Optional<HostPort> pushAddress() {
        return Optional.ofNullable(pushServer).map(PushServer::address);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
