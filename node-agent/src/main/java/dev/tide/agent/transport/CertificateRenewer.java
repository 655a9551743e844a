package dev.tide.agent.transport;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import dev.tide.agent.tls.NodeTls;
import dev.tide.proto.agent.v1.CertificateIssued;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.RenewCertificateRequest;
import dev.tide.proto.agent.v1.RenewCertificateResponse;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the node's certificate when a third of its lifetime is left: over the push session when
 * the node is pushed (it may have no route to the control plane), else with RenewCertificate. The
 * new key is made here and kept as pending until its certificate arrives. Checks at a twentieth of
 * the lifetime (between 5 s and 1 h), so a missed attempt is retried long before expiry.
 */
public final class CertificateRenewer {
    private static final Logger log = LoggerFactory.getLogger(CertificateRenewer.class);

    private final NodeTls tls;
    private final GatewayClient gateway;
    private final PushServer push;
    private final ScheduleState schedules;
    private final ScheduledExecutorService timer;
    private final String nodeName;
    private final Clock clock;
    private final AtomicBoolean expiredLogged = new AtomicBoolean();
    private volatile boolean stopped;

    public CertificateRenewer(
            NodeTls tls,
            GatewayClient gateway,
            PushServer push,
            ScheduleState schedules,
            ScheduledExecutorService timer,
            String nodeName,
            Clock clock) {
        this.tls = tls;
        this.gateway = gateway;
        this.push = push;
        this.schedules = schedules;
        this.timer = timer;
        this.nodeName = nodeName;
        this.clock = clock;
    }

    public void start() {
        timer.execute(this::check);
    }

    public void stop() {
        stopped = true;
    }

    void check() {
        if (stopped) {
            return;
        }
        try {
            if (clock.instant().isAfter(tls.expiresAt())) {
                if (expiredLogged.compareAndSet(false, true)) {
                    log.error(
                            "the node certificate expired at {}; the control plane refuses it. Enroll again:"
                                    + " remove identity.json and tls/ from the data dir and start with a new token",
                            tls.expiresAt());
                }
            } else if (tls.dueForRenewal()) {
                request(tls.certificateRequest(nodeName));
            }
        } catch (IOException | RuntimeException e) {
            log.warn("certificate renewal failed ({}); retrying later", e.getMessage());
        } finally {
            if (!stopped) {
                timer.schedule(this::check, period().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
    }

    private void request(byte[] csr) {
        if (schedules.mode() == DeliveryMode.PUSH && push != null && push.requestCertificate(csr)) {
            log.info("asked for a new certificate over the push session (current one valid until {})", tls.expiresAt());
            return; // answered with CertificateIssued
        }
        Futures.addCallback(
                gateway.renewCertificate(RenewCertificateRequest.newBuilder()
                        .setCsr(ByteString.copyFrom(csr))
                        .build()),
                new FutureCallback<RenewCertificateResponse>() {
                    @Override
                    public void onSuccess(RenewCertificateResponse response) {
                        install(response.getCertificateChainPem());
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        log.warn("certificate renewal failed ({}); retrying later", t.getMessage());
                    }
                },
                MoreExecutors.directExecutor());
    }

    /** The control plane's answer on the push session. */
    public void onIssued(CertificateIssued issued) {
        if (!issued.getError().isEmpty()) {
            log.warn("certificate renewal refused by the control plane: {}", issued.getError());
            return;
        }
        install(issued.getCertificateChainPem());
    }

    private void install(String chainPem) {
        try {
            tls.install(chainPem, null);
            gateway.reconnect(); // the new certificate is presented on new connections only
            log.info("renewed the node certificate; valid until {}", tls.expiresAt());
        } catch (IOException e) {
            log.warn("renewed certificate not installed: {}", e.getMessage());
        }
    }

    private Duration period() {
        Duration lifetime = tls.current()
                .map(m -> Duration.between(m.notBefore(), m.notAfter()))
                .orElse(Duration.ofHours(1));
        Duration twentieth = lifetime.dividedBy(20);
        if (twentieth.compareTo(Duration.ofSeconds(5)) < 0) {
            return Duration.ofSeconds(5);
        }
        return twentieth.compareTo(Duration.ofHours(1)) > 0 ? Duration.ofHours(1) : twentieth;
    }
}
