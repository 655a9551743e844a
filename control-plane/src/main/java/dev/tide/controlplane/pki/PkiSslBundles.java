package dev.tide.controlplane.pki;

import java.security.KeyStore;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.KeyManagerFactorySpi;
import javax.net.ssl.ManagerFactoryParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.TrustManagerFactorySpi;
import org.springframework.boot.autoconfigure.ssl.SslBundleRegistrar;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleRegistry;
import org.springframework.boot.ssl.SslManagerBundle;
import org.springframework.stereotype.Component;

/**
 * Registers the SSL bundle {@value #AGENTS} that the gRPC server uses
 * ({@code spring.grpc.server.ssl.bundle}): the control plane's renewable certificate, and trust in
 * node certificates under the Tide CA. Client certificates are optional at the handshake because
 * an agent enrolls before it has one; every other call requires one (see the agent interceptor).
 */
@Component
class PkiSslBundles implements SslBundleRegistrar {
    static final String AGENTS = "tide-agents";

    private final ControlPlanePki pki;

    PkiSslBundles(ControlPlanePki pki) {
        this.pki = pki;
    }

    @Override
    public void registerBundles(SslBundleRegistry registry) {
        registry.registerBundle(
                AGENTS,
                SslBundle.of(
                        null,
                        null,
                        null,
                        "TLS",
                        SslManagerBundle.of(keyManagers(pki.keyManager()), trustManagers(pki.nodeTrust()))));
    }

    private static KeyManagerFactory keyManagers(KeyManager manager) {
        return new KeyManagerFactory(
                new KeyManagerFactorySpi() {
                    @Override
                    protected void engineInit(KeyStore ks, char[] password) {}

                    @Override
                    protected void engineInit(ManagerFactoryParameters spec) {}

                    @Override
                    protected KeyManager[] engineGetKeyManagers() {
                        return new KeyManager[] {manager};
                    }
                },
                null,
                "tide") {};
    }

    private static TrustManagerFactory trustManagers(TrustManager manager) {
        return new TrustManagerFactory(
                new TrustManagerFactorySpi() {
                    @Override
                    protected void engineInit(KeyStore ks) {}

                    @Override
                    protected void engineInit(ManagerFactoryParameters spec) {}

                    @Override
                    protected TrustManager[] engineGetTrustManagers() {
                        return new TrustManager[] {manager};
                    }
                },
                null,
                "tide") {};
    }
}
