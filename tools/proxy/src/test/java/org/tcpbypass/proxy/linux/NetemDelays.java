package org.tcpbypass.proxy.linux;

import java.io.IOException;

/** Test access to {@link NetemDelay} with another leaf qdisc, for kernels without netem. */
public final class NetemDelays {
    private NetemDelays() {
    }

    /** A {@link NetemDelay} whose flows wait in {@code leaf} (a qdisc spec that ignores the delay) instead of netem. */
    public static NetemDelay withLeaf(String ifb, int pref, String leaf) throws IOException {
        return NetemDelay.install(ifb, pref, nanos -> leaf);
    }
}
