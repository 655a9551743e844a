package dev.tide.agent.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslHandshakeTimeoutException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.Test;

class EnrollerTests {
    @Test
    void aCertificateTheAgentRejectedIsARefusal() {
        SSLHandshakeException handshake = new SSLHandshakeException("bad certificate");
        handshake.initCause(new CertificateException("the control plane's CA does not match the fingerprint"));

        assertThat(Enroller.handshakeRefused(
                        Status.UNAVAILABLE.withCause(handshake).asRuntimeException()))
                .isTrue();
    }

    @Test
    void aHandshakeThatTimedOutOrWasCutIsRetried() {
        // What 50 agents starting at once on a busy 2-core machine saw: netty's 10 s client timeout.
        assertThat(Enroller.handshakeRefused(Status.UNAVAILABLE
                        .withCause(new SslHandshakeTimeoutException("handshake timed out after 10000ms"))
                        .asRuntimeException()))
                .isFalse();
        SSLHandshakeException closed =
                new SSLHandshakeException("Connection closed while SSL/TLS handshake was in progress");
        closed.initCause(new ClosedChannelException());
        assertThat(Enroller.handshakeRefused(
                        Status.UNAVAILABLE.withCause(closed).asRuntimeException()))
                .isFalse();
    }
}
