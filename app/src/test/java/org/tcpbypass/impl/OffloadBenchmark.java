package org.tcpbypass.impl;

import org.onosproject.net.intent.Intent;
import org.onosproject.net.intent.IntentServiceAdapter;
import org.onosproject.net.intent.Key;
import org.onosproject.net.intent.MockIdGenerator;
import org.onosproject.store.service.TestStorageService;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.OffloadRequest;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Offload path benchmark: request → validated → recorded → the bypass FlowRuleIntent (two bypass
 * rules), single-threaded (one core), at 1k, 10k and 100k live bypasses; then heap per live bypass.
 * The store runs on ONOS's in-memory test maps, not a Raft cluster: the figures are the app's own cost.
 * Wall-clock rates suffer from whatever else runs on the machine; the per-CPU-second rate of the benchmark
 * thread is the per-core figure (garbage collection on other threads is not in it).
 * Arguments: [rounds per level, default 30]. From the repository root:
 * <pre>
 * flock /tmp/tcp-bypass-mvn.lock mvn -B -o -q install -pl app -DskipTests
 * flock /tmp/tcp-bypass-mvn.lock mvn -B -o -q -pl app dependency:build-classpath \
 *     -Dmdep.includeScope=test -Dmdep.outputFile=/tmp/app-test-cp.txt
 * java --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.lang.invoke=ALL-UNNAMED \
 *     --add-opens java.base/java.util=ALL-UNNAMED --add-opens java.base/java.util.concurrent.atomic=ALL-UNNAMED \
 *     -Xmx1g -cp app/target/test-classes:app/target/classes:$(cat /tmp/app-test-cp.txt) \
 *     org.tcpbypass.impl.OffloadBenchmark
 * </pre>
 */
public final class OffloadBenchmark {

    private static final int BATCH = 1_000;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final int[] LIVE = {1_000, 10_000, 100_000};

    /** Keeps each submitted intent, as ONOS's store would; a flow rule intent is its own installable. */
    private static final class KeepingIntents extends IntentServiceAdapter {
        final Map<Key, Intent> installed = new ConcurrentHashMap<>();

        @Override
        public void submit(Intent intent) {
            installed.put(intent.key(), intent);
        }
    }

    private OffloadBenchmark() {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        MockIdGenerator.cleanBind();
        KeepingIntents intents = new KeepingIntents();
        ManagerHarness h = new ManagerHarness(new TestStorageService(), intents);
        h.start();
        h.manager.removeListener(h.listener);
        int next = 0;

        // Warm-up: JIT the whole path, then forget it.
        for (int i = 0; i < 50_000; i++) {
            h.manager.offload(request(next++));
        }
        removeAll(h, intents);

        System.out.printf("offload path, %d rounds of %d requests per live-bypass level, 1 thread%n", rounds, BATCH);
        List<BypassId> live = new ArrayList<>();
        for (int level : LIVE) {
            while (live.size() < level) {
                live.add(h.manager.offload(request(next++)).id());
            }
            double[] perSecond = new double[rounds];
            double[] perCpuSecond = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                OffloadRequest[] batch = new OffloadRequest[BATCH];
                for (int i = 0; i < BATCH; i++) {
                    batch[i] = request(next++);
                }
                BypassId[] ids = new BypassId[BATCH];
                long cpuStart = THREADS.getCurrentThreadCpuTime();
                long start = System.nanoTime();
                for (int i = 0; i < BATCH; i++) {
                    ids[i] = h.manager.offload(batch[i]).id();
                }
                long elapsed = System.nanoTime() - start;
                long cpu = THREADS.getCurrentThreadCpuTime() - cpuStart;
                perSecond[r] = BATCH * 1e9 / elapsed;
                perCpuSecond[r] = BATCH * 1e9 / Math.max(cpu, 1);
                for (BypassId id : ids) {
                    remove(h, intents, id);
                }
            }
            Arrays.sort(perSecond);
            Arrays.sort(perCpuSecond);
            System.out.printf("live %7d: median %,9.0f offloads per CPU-second of the thread (%.2f us CPU each); "
                                      + "wall clock: median %,9.0f/s, min %,9.0f/s, max %,9.0f/s%n",
                              level, perCpuSecond[rounds / 2], 1e6 / perCpuSecond[rounds / 2],
                              perSecond[rounds / 2], perSecond[0], perSecond[rounds - 1]);
        }

        int n = live.size();
        long withIntents = usedHeap();
        intents.installed.clear();
        long recordsOnly = usedHeap();
        removeAll(h, intents);
        long empty = usedHeap();
        System.out.printf("heap per live bypass (%d live): %d bytes app record + leg index; "
                                  + "%d bytes with its FlowRuleIntent%n",
                          n, (recordsOnly - empty) / n, (withIntents - empty) / n);
        h.stop();
    }

    private static OffloadRequest request(int n) {
        return TestData.request().tuple(TestData.tuple(n)).build();
    }

    private static void remove(ManagerHarness h, KeepingIntents intents, BypassId id) {
        h.store.remove(id);
        intents.installed.remove(Key.of(id.toString(), TestData.APP_ID));
    }

    private static void removeAll(ManagerHarness h, KeepingIntents intents) {
        for (Bypass b : h.store.all()) {
            remove(h, intents, b.id());
        }
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 5; i++) {
            System.gc();
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return rt.totalMemory() - rt.freeMemory();
    }
}
