package dev.tide.bench.floor;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time of this JVM to the nanosecond. {@code getProcessCpuTime} counts in clock ticks of
 * 10 ms on Linux, which reads 0 for a floor round of 20 clients; the scheduler's own account per
 * thread ({@code /proc/self/task/TID/schedstat}, first field) is exact. A reading is a snapshot per
 * thread, and {@link #since} adds what each thread spent after the earlier snapshot, so a thread
 * that ends in between cannot make the difference negative (its last slice is lost, a few µs).
 * Where {@code /proc} cannot be read, the JVM's coarse figure stands in.
 */
final class ProcessCpu {

    private static final Path TASKS = Paths.get("/proc/self/task");

    private final Map<String, Long> perThread;
    private final long coarse;

    private ProcessCpu(Map<String, Long> perThread, long coarse) {
        this.perThread = perThread;
        this.coarse = coarse;
    }

    static ProcessCpu now() {
        long coarse = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        return new ProcessCpu(readTasks(), coarse);
    }

    /** Nanoseconds of CPU this process spent between {@code earlier} and this reading. */
    long since(ProcessCpu earlier) {
        if (perThread == null || earlier.perThread == null) {
            return Math.max(0, coarse - earlier.coarse);
        }
        long sum = 0;
        for (Map.Entry<String, Long> thread : perThread.entrySet()) {
            sum += Math.max(0, thread.getValue() - earlier.perThread.getOrDefault(thread.getKey(), 0L));
        }
        return sum;
    }

    private static Map<String, Long> readTasks() {
        Map<String, Long> cpu = new HashMap<>();
        try (Stream<Path> threads = Files.list(TASKS)) {
            for (Path thread : threads.toList()) {
                try {
                    String schedstat = Files.readString(thread.resolve("schedstat"));
                    cpu.put(
                            thread.getFileName().toString(),
                            Long.parseLong(schedstat.substring(0, schedstat.indexOf(' '))));
                } catch (IOException | RuntimeException e) {
                    // the thread ended while being read
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return cpu.isEmpty() ? null : cpu;
    }
}
