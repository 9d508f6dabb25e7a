package org.tcpbypass.proxy.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;

/** Effective capabilities of this process, from /proc/self/status. */
public final class Capabilities {
    /** CAP_NET_ADMIN: TCP_REPAIR, nftables, tc. */
    public static final int NET_ADMIN = 12;
    /** CAP_NET_RAW: the packet socket that learns the peers' timestamps. */
    public static final int NET_RAW = 13;
    /** CAP_SYS_NICE: the hand-off threads' higher priority ({@link Niceness#setForCallingThread}). */
    public static final int SYS_NICE = 23;

    private Capabilities() {
    }

    /** Whether the process holds capability {@code cap} in its effective set. */
    public static boolean effective(int cap) throws IOException {
        return effective(Files.readString(Paths.get("/proc/self/status")), cap);
    }

    static boolean effective(String status, int cap) {
        for (String line : status.split("\n")) {
            if (line.startsWith("CapEff:")) {
                long bits = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                return (bits & (1L << cap)) != 0;
            }
        }
        throw new IllegalArgumentException("no CapEff line in process status");
    }

    /** Path of an executable on PATH, or null. */
    public static Path onPath(String name) {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(":")) {
            Path p = Paths.get(dir, name);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
