package dev.tide.controlplane.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.List;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.convert.ConversionService;
import org.springframework.core.convert.support.GenericConversionService;
import org.springframework.core.serializer.support.DeserializingConverter;
import org.springframework.core.serializer.support.SerializationFailedException;
import org.springframework.core.serializer.support.SerializingConverter;
import org.springframework.session.config.SessionRepositoryCustomizer;
import org.springframework.session.jdbc.JdbcIndexedSessionRepository;
import org.springframework.session.jdbc.PostgreSqlJdbcIndexedSessionRepositoryCustomizer;
import org.springframework.session.web.http.CookieSerializer;

/**
 * Console sign-in sessions in PostgreSQL (Spring Session JDBC, tables {@code spring_session} and
 * {@code spring_session_attributes}), so that every replica serves a signed-in console user: the
 * security context, the CSRF token, the page a user asked for before signing in and the flash
 * messages of a redirect. Timeout and cookie come from {@code server.servlet.session.*}. The REST
 * API's chain is stateless and never creates one. Expired sessions are deleted by {@link
 * SignInCleanup}, not by Spring Session's own timer.
 */
@Configuration(proxyBeanMethods = false)
class ConsoleSessions {
    private static final Logger log = LoggerFactory.getLogger(ConsoleSessions.class);

    /**
     * Expired sessions, skipping rows that another replica is deleting or a request is writing at
     * this moment, so that replicas cleaning at once never wait on each other.
     */
    private static final String DELETE_EXPIRED = "DELETE FROM %TABLE_NAME% WHERE PRIMARY_ID IN (SELECT PRIMARY_ID"
            + " FROM %TABLE_NAME% WHERE EXPIRY_TIME < ? FOR UPDATE SKIP LOCKED)";

    /**
     * Runs after Spring Boot's customizer (which sets the table name, and with it the default
     * queries). Two requests of one session (a page and its live updates) may add the same
     * attribute at once: PostgreSQL's upsert instead of a duplicate key error.
     */
    @Bean
    SessionRepositoryCustomizer<JdbcIndexedSessionRepository> tideSessionRepository() {
        return repository -> {
            new PostgreSqlJdbcIndexedSessionRepositoryCustomizer().customize(repository);
            repository.setDeleteSessionsByExpiryTimeQuery(DELETE_EXPIRED);
            repository.setConversionService(lenientSerialization());
        };
    }

    /**
     * Session ids are UUIDs (Spring Session's generator). A cookie holding anything else names no
     * session and is not looked up: a forged value is no error (PostgreSQL refuses a NUL in it) and
     * costs no query. Wraps the cookie serializer Spring Boot builds from {@code
     * server.servlet.session.cookie.*}, which stays as configured.
     */
    @Bean
    static BeanPostProcessor sessionIdCookiesOnly() {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String name) {
                return bean instanceof CookieSerializer cookies && !(bean instanceof SessionIdCookies)
                        ? new SessionIdCookies(cookies)
                        : bean;
            }
        };
    }

    /** The configured cookie serializer, reading only values shaped as session ids. */
    private record SessionIdCookies(CookieSerializer delegate) implements CookieSerializer {
        private static final Pattern SESSION_ID =
                Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

        @Override
        public void writeCookieValue(CookieValue value) {
            delegate.writeCookieValue(value);
        }

        @Override
        public List<String> readCookieValues(HttpServletRequest request) {
            return delegate.readCookieValues(request).stream()
                    .filter(SESSION_ID.asMatchPredicate())
                    .toList();
        }
    }

    /**
     * Java serialization as Spring Session's default, except that an attribute written by another
     * version of Tide (a rolling upgrade; its classes changed) or damaged reads as absent: that
     * session is signed out and sent to the login page, rather than failing every request it makes.
     */
    private static ConversionService lenientSerialization() {
        ClassLoader classLoader = ConsoleSessions.class.getClassLoader();
        DeserializingConverter deserializer = new DeserializingConverter(classLoader);
        GenericConversionService conversion = new GenericConversionService();
        conversion.addConverter(Object.class, byte[].class, new SerializingConverter());
        conversion.addConverter(byte[].class, Object.class, bytes -> {
            try {
                return deserializer.convert(bytes);
            } catch (SerializationFailedException e) {
                log.info("A console session attribute could not be read and is ignored: {}", e.getMessage());
                return null;
            }
        });
        return conversion;
    }
}
