package org.tcpbypass.proxy.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** What proc(5) says of a process's threads: their stat(5) fields, for tests that check CPU time and nice values. */
public final class ThreadStats {
    /** Indexes into {@link #fields}: utime, stime and nice, fields 14, 15 and 19 of stat(5). */
    public static final int UTIME = 11;
    public static final int STIME = 12;
    public static final int NICE = 16;

    private ThreadStats() {
    }

    /**
     * The stat fields of each thread of a process whose name (comm) passes a test, by thread id.
     *
     * @param pid  process id
     * @param name which thread names to take
     * @return fields as {@link #fields} returns them, by thread id
     */
    public static Map<Integer, String[]> of(long pid, Predicate<String> name) throws IOException {
        Map<Integer, String[]> stats = new LinkedHashMap<>();
        try (Stream<Path> tasks = Files.list(Paths.get("/proc/" + pid + "/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    if (name.test(Files.readString(t.resolve("comm")))) {
                        stats.put(Integer.parseInt(t.getFileName().toString()), fields(t.resolve("stat")));
                    }
                } catch (NoSuchFileException e) {
                    // The thread ended since the listing.
                }
            }
        }
        return stats;
    }

    /** The fields of a stat(5) file after the command name (which may hold spaces): index 0 is field 3, state. */
    public static String[] fields(Path stat) throws IOException {
        String s = Files.readString(stat);
        return s.substring(s.lastIndexOf(')') + 2).split(" ");
    }

    /** Whether a thread name (comm, cut to 15 characters) is one of HotSpot's JIT compiler threads. */
    public static boolean isJitCompiler(String threadName) {
        return threadName.startsWith("C1 CompilerThre") || threadName.startsWith("C2 CompilerThre");
    }

    /** User plus system CPU seconds of stat fields (at USER_HZ 100, as Linux reports them). */
    public static double cpuSeconds(String[] fields) {
        return (Long.parseLong(fields[UTIME]) + Long.parseLong(fields[STIME])) / 100.0;
    }
}
