package org.tcpbypass.proxy.linux;

import org.junit.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

public class NicenessTest {
    @Test
    public void lowersTheJitCompilerThreadsAndNoOther() throws Exception {
        Map<Integer, Integer> before = niceness(false);
        assertFalse("this JVM has JIT compiler threads", niceness(true).isEmpty());
        Niceness.lowerJitCompilers();
        Map<Integer, Integer> compilers = niceness(true);
        for (Map.Entry<Integer, Integer> c : compilers.entrySet()) {
            assertEquals("compiler thread " + c.getKey(), Niceness.JIT, (int) c.getValue());
        }
        Map<Integer, Integer> others = niceness(false);
        for (Map.Entry<Integer, Integer> t : before.entrySet()) {
            if (others.containsKey(t.getKey())) {
                assertEquals("thread " + t.getKey() + " keeps its nice value", t.getValue(), others.get(t.getKey()));
            }
        }
        assertEquals("nothing left to lower", 0, Niceness.lowerJitCompilers());
    }

    /** Nice values by thread id of this process's JIT compiler threads, or of all the others. */
    private static Map<Integer, Integer> niceness(boolean compilers) throws Exception {
        Map<Integer, Integer> values = new HashMap<>();
        ThreadStats.of(ProcessHandle.current().pid(), name -> Niceness.isJitCompiler(name) == compilers)
                .forEach((tid, fields) -> values.put(tid, Integer.parseInt(fields[ThreadStats.NICE])));
        return values;
    }
}
