package dev.tide.controlplane.system;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.controlplane.TideApplication;
import dev.tide.security.KeyMaterial;
import dev.tide.security.PeerIdentity;
import dev.tide.security.Pem;
import dev.tide.security.ca.CertificateAuthority;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * HTTPS for the console and the API is one setting: a Spring Boot SSL bundle with the operator's
 * certificate. The console's session cookie is then marked Secure.
 */
class HttpsTests {

    @Test
    void theConsoleAndApiServeHttpsFromAPemBundle(@TempDir Path dir) throws Exception {
        CertificateAuthority ca = CertificateAuthority.generate("operator CA", Duration.ofDays(1), Clock.systemUTC());
        KeyMaterial web = ca.issueWithNewKey(
                PeerIdentity.controlPlane(),
                "tide.example.com",
                List.of("localhost", "127.0.0.1"),
                Duration.ofHours(1));
        Path cert = Files.writeString(dir.resolve("https.crt"), Pem.certificates(web.chain()));
        Path key = Files.writeString(dir.resolve("https.key"), Pem.privateKey(web.privateKey()));

        try (ConfigurableApplicationContext controlPlane = new SpringApplicationBuilder(TideApplication.class)
                .run(
                        "--tide.data-dir=" + dir.resolve("data"),
                        "--tide.admin-password=https-admin-password",
                        "--server.port=0",
                        "--spring.grpc.server.port=0",
                        "--spring.ssl.bundle.pem.web.keystore.certificate=file:" + cert,
                        "--spring.ssl.bundle.pem.web.keystore.private-key=file:" + key,
                        "--server.ssl.bundle=web")) {
            int port = controlPlane.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
            HttpRequest health = HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/actuator/health"))
                    .timeout(Duration.ofSeconds(30))
                    .build();

            HttpResponse<String> answer = HttpClient.newBuilder()
                    .sslContext(trusting(ca))
                    .build()
                    .send(health, HttpResponse.BodyHandlers.ofString());

            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).contains("UP");
            HttpResponse<String> login = HttpClient.newBuilder()
                    .sslContext(trusting(ca))
                    .build()
                    .send(
                            HttpRequest.newBuilder(URI.create("https://localhost:" + port + "/login"))
                                    .timeout(Duration.ofSeconds(30))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(login.headers().firstValue("Set-Cookie"))
                    .as("the console's session cookie over HTTPS")
                    .hasValueSatisfying(
                            c -> assertThat(c).startsWith("SESSION=").contains("Secure", "HttpOnly"));
            HttpRequest plain = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health"))
                    .timeout(Duration.ofSeconds(30))
                    .build();
            assertThat(HttpClient.newHttpClient()
                            .send(plain, HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .isEqualTo(400); // Tomcat answers plain HTTP on a TLS port with 400
            assertThatThrownBy(() -> HttpClient.newHttpClient().send(health, HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class); // a client that does not trust the certificate
        }
    }

    private static SSLContext trusting(CertificateAuthority ca) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setCertificateEntry("ca", ca.certificate());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
