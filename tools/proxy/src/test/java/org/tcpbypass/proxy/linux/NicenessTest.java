package org.tcpbypass.proxy.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.junit.Test;

import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.junit.Assume.assumeTrue;

public class NicenessTest {
    @Test
    public void raisesTheVmThreadAndGcWorkersAndNoOther() throws Exception {
        assumeTrue("needs CAP_SYS_NICE", Capabilities.effective(Capabilities.SYS_NICE));
        System.gc();
        Map<Integer, String> workers = names(Niceness::isPauseWorker);
        assertTrue("this JVM has a VM thread: " + workers, workers.containsValue("VM Thread"));
        assertTrue("and GC workers: " + workers, workers.values().stream().anyMatch(n -> n.startsWith("GC Thread#")));
        Map<Integer, Integer> others = nice(name -> !Niceness.isPauseWorker(name));
        // Below every worker's present value, so that each has to be raised whatever ran in this JVM before.
        int target = Math.min(-7, nice(Niceness::isPauseWorker).values().stream().min(Integer::compare).get() - 1);
        assumeTrue("a worker already at -20", target >= -20);
        Niceness.PauseWorkers pauseWorkers = new Niceness.PauseWorkers(target);
        assertTrue("raised", pauseWorkers.raiseNew() > 0);
        nice(Niceness::isPauseWorker).forEach((tid, n) -> assertEquals(workers.get(tid), target, (int) n));
        nice(name -> !Niceness.isPauseWorker(name)).forEach((tid, n) -> {
            if (others.containsKey(tid)) {
                assertEquals("thread " + tid + " keeps its nice value", others.get(tid), n);
            }
        });
        assertEquals("nothing left to raise", 0, pauseWorkers.raiseNew());
        assertEquals("a worker above the value asked is not lowered", 0,
                     new Niceness.PauseWorkers(target + 5).raiseNew());
        nice(Niceness::isPauseWorker).forEach((tid, n) -> assertEquals(workers.get(tid), target, (int) n));
    }

    @Test
    public void aPauseWorkerStartedLaterIsRaisedByTheNextCall() throws Exception {
        assumeTrue("needs CAP_SYS_NICE", Capabilities.effective(Capabilities.SYS_NICE));
        Niceness.PauseWorkers pauseWorkers = new Niceness.PauseWorkers(-3);
        pauseWorkers.raiseNew();
        // A Java thread's name is its comm: this one looks like a GC worker the JVM started later.
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(1);
        int[] tid = new int[1];
        Thread late = new Thread(() -> {
            tid[0] = LibC.INSTANCE.gettid();
            started.countDown();
            try {
                done.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "GC Thread#late");
        late.start();
        started.await();
        try {
            assertEquals("the late worker is raised, no other", 1, pauseWorkers.raiseNew());
            assertEquals(-3, (int) nice(name -> name.startsWith("GC Thread#late")).get(tid[0]));
        } finally {
            done.countDown();
            late.join();
        }
    }

    @Test
    public void withoutCapSysNiceThePauseWorkersAreRefusedAndNothingChanges() throws Exception {
        Map<Integer, Integer> before = nice(Niceness::isPauseWorker);
        int higher = before.values().stream().min(Integer::compare).get() - 1;
        int raised = onNewThread(() -> {
            dropSysNiceFromCallingThread();
            return new Niceness.PauseWorkers(higher).raiseNew();
        });
        assertEquals("refused", -1, raised);
        assertEquals("unchanged", before, nice(Niceness::isPauseWorker));
    }

    @Test
    public void setsTheCallingThreadsNiceValueAndNoOtherThreads() throws Exception {
        assumeTrue("needs CAP_SYS_NICE", Capabilities.effective(Capabilities.SYS_NICE));
        int callerBefore = niceOfCallingThread();
        int[] setAndNice = onNewThread(() -> new int[] {Niceness.setForCallingThread(-5) ? 1 : 0,
                niceOfCallingThread()});
        assertEquals("set", 1, setAndNice[0]);
        assertEquals("the new thread's nice value", -5, setAndNice[1]);
        assertEquals("the calling test thread keeps its own", callerBefore, niceOfCallingThread());
    }

    @Test
    public void withoutCapSysNiceAHigherPriorityIsRefusedAndNothingChanges() throws Exception {
        int[] beforeSetAfter = onNewThread(() -> {
            dropSysNiceFromCallingThread();
            int before = niceOfCallingThread();
            return new int[] {before, Niceness.setForCallingThread(before - 5) ? 1 : 0, niceOfCallingThread()};
        });
        assertEquals("refused", 0, beforeSetAfter[1]);
        assertEquals("unchanged", beforeSetAfter[0], beforeSetAfter[2]);
    }

    private static <T> T onNewThread(Callable<T> body) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                result.complete(body.call());
            } catch (Exception | AssertionError e) {
                result.completeExceptionally(e);
            }
        });
        t.start();
        t.join();
        return result.get();
    }

    private static int niceOfCallingThread() throws Exception {
        String[] fields = ThreadStats.fields(Paths.get("/proc/self/task/" + LibC.INSTANCE.gettid() + "/stat"));
        return Integer.parseInt(fields[ThreadStats.NICE]);
    }

    /** capget(2)/capset(2) act on the calling thread only: the other threads keep CAP_SYS_NICE. */
    private interface Caps extends Library {
        Caps INSTANCE = Native.load("c", Caps.class);

        int capget(Pointer header, Pointer data) throws LastErrorException;

        int capset(Pointer header, Pointer data) throws LastErrorException;
    }

    private static void dropSysNiceFromCallingThread() {
        Memory header = new Memory(8);
        header.setInt(0, 0x20080522);  // _LINUX_CAPABILITY_VERSION_3: two sets of 32 bits
        header.setInt(4, 0);           // the calling thread
        Memory data = new Memory(24);  // {effective, permitted, inheritable} for bits 0-31, then 32-63
        Caps.INSTANCE.capget(header, data);
        data.setInt(0, data.getInt(0) & ~(1 << Capabilities.SYS_NICE));
        Caps.INSTANCE.capset(header, data);
        Memory now = new Memory(24);
        Caps.INSTANCE.capget(header, now);
        assertTrue("CAP_SYS_NICE dropped from the thread's effective set",
                   (now.getInt(0) & (1 << Capabilities.SYS_NICE)) == 0);
    }

    /** Nice values by thread id of this process's threads whose name {@code which} takes. */
    private static Map<Integer, Integer> nice(Predicate<String> which) throws Exception {
        Map<Integer, Integer> values = new HashMap<>();
        ThreadStats.of(ProcessHandle.current().pid(), which)
                .forEach((tid, fields) -> values.put(tid, Integer.parseInt(fields[ThreadStats.NICE])));
        return values;
    }

    /** Names by thread id of this process's threads whose name {@code which} takes. */
    private static Map<Integer, String> names(Predicate<String> which) throws Exception {
        Map<Integer, String> values = new HashMap<>();
        for (Integer tid : ThreadStats.of(ProcessHandle.current().pid(), which).keySet()) {
            values.put(tid, Files.readString(Paths.get("/proc/self/task/" + tid + "/comm")).trim());
        }
        return values;
    }
}
