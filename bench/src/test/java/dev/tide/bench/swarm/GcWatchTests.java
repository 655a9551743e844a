package dev.tide.bench.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class GcWatchTests {

    @Test
    void onlyOldGenerationCollectorsCountAsFull() {
        List<GarbageCollectorMXBean> collectors = ManagementFactory.getGarbageCollectorMXBeans();
        assertThat(collectors).anyMatch(GcWatch::collectsOldGeneration);
        assertThat(collectors).anyMatch(gc -> !GcWatch.collectsOldGeneration(gc));
    }

    @Test
    void aWindowSpentInFullCollectionsIsReportedAndAQuietOneIsNot() throws InterruptedException {
        List<String> reported = new ArrayList<>();
        GcWatch watch = new GcWatch(reported::add);
        Thread.sleep(200);
        watch.check();
        assertThat(reported).isEmpty();

        long until = System.nanoTime() + 300_000_000L;
        while (System.nanoTime() < until) {
            System.gc(); // a full collection each time, as a worker out of heap runs them
        }
        watch.check();
        assertThat(reported).singleElement().asString().contains("full garbage collections", "--worker-heap");
    }
}
