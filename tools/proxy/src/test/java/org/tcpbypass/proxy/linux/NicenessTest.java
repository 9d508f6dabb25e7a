package org.tcpbypass.proxy.linux;

import org.junit.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

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
        try (Stream<Path> tasks = Files.list(Paths.get("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String name = Files.readString(task.resolve("comm"));
                boolean compiler = name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre");
                if (compiler == compilers) {
                    String stat = Files.readString(task.resolve("stat"));
                    // Field 19 of stat(5), the 17th after the command name's closing parenthesis.
                    values.put(Integer.parseInt(task.getFileName().toString()),
                               Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]));
                }
            }
        }
        return values;
    }
}
