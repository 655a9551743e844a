package dev.tide.controlplane;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.beans.factory.config.BeanPostProcessor;

/**
 * Counts the SQL statements the current thread sends to PostgreSQL, for tests that assert how
 * many statements a piece of work takes (a rollout wave, a status batch) rather than how long
 * it takes. Wraps the application's DataSource; a JDBC batch counts as one statement, as it is
 * one round trip.
 */
public class StatementCounter implements BeanPostProcessor {
    private static final ThreadLocal<AtomicInteger> COUNTING = new ThreadLocal<>();
    private static final Set<String> EXECUTE = Set.of(
            "execute", "executeQuery", "executeUpdate", "executeLargeUpdate", "executeBatch", "executeLargeBatch");

    /** What {@link #count} measured: the work's result and the statements it sent. */
    public record Counted<T>(T result, int statements) {}

    /** Runs {@code work} on this thread and counts the statements it sends. */
    public static <T> Counted<T> count(Supplier<T> work) {
        AtomicInteger counter = new AtomicInteger();
        AtomicInteger outer = COUNTING.get();
        COUNTING.set(counter);
        try {
            T result = work.get();
            return new Counted<>(result, counter.get());
        } finally {
            if (outer == null) {
                COUNTING.remove();
            } else {
                COUNTING.set(outer);
                outer.addAndGet(counter.get());
            }
        }
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof DataSource dataSource) {
            return proxy(DataSource.class, dataSource, (target, method, args) -> {
                Object result = invoke(target, method, args);
                return result instanceof Connection c
                        ? proxy(Connection.class, c, StatementCounter::connection)
                        : result;
            });
        }
        return bean;
    }

    private static Object connection(Object target, Method method, Object[] args) throws Throwable {
        Object result = invoke(target, method, args);
        if (result instanceof java.sql.CallableStatement s) {
            return proxy(java.sql.CallableStatement.class, s, StatementCounter::statement);
        }
        if (result instanceof java.sql.PreparedStatement s) {
            return proxy(java.sql.PreparedStatement.class, s, StatementCounter::statement);
        }
        if (result instanceof Statement s) {
            return proxy(Statement.class, s, StatementCounter::statement);
        }
        return result;
    }

    private static Object statement(Object target, Method method, Object[] args) throws Throwable {
        if (EXECUTE.contains(method.getName())) {
            AtomicInteger counter = COUNTING.get();
            if (counter != null) {
                counter.incrementAndGet();
            }
        }
        return invoke(target, method, args);
    }

    private interface Handler {
        Object handle(Object target, Method method, Object[] args) throws Throwable;
    }

    private static <T> T proxy(Class<T> type, T target, Handler handler) {
        InvocationHandler h = (p, method, args) -> {
            if (method.getName().equals("unwrap")
                    && args != null
                    && args.length == 1
                    && args[0] instanceof Class<?> c
                    && c.isInstance(target)) {
                return target;
            }
            if (method.getName().equals("isWrapperFor")
                    && args != null
                    && args[0] instanceof Class<?> c
                    && c.isInstance(target)) {
                return true;
            }
            return handler.handle(target, method, args);
        };
        return type.cast(Proxy.newProxyInstance(StatementCounter.class.getClassLoader(), new Class<?>[] {type}, h));
    }

    private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
