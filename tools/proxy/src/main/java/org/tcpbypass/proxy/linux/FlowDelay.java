package org.tcpbypass.proxy.linux;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * Holds the segments of chosen flows on their arrival at this host for a delay of each flow's own, in the order
 * they came and without dropping any: the RTT ramp's delay mechanism.
 */
public interface FlowDelay {
    /** What holds the segments, for the proxy's start-up line. */
    String describe();

    /** Holds the segments {@code from -> to} that arrive from now on for {@code nanos}. */
    void delay(InetSocketAddress from, InetSocketAddress to, long nanos) throws IOException;

    /**
     * Stops holding the segments {@code from -> to} without reordering them: what arrives now queues behind the held
     * ones, which leave at their times; waits up to {@code timeoutNanos} for them and then lets the flow pass unheld.
     * A flow not held is ignored.
     *
     * @return whether every held segment left in time (if not, the rest may arrive out of order)
     */
    boolean release(InetSocketAddress from, InetSocketAddress to, long timeoutNanos)
            throws IOException, InterruptedException;

    /** Undoes what the mechanism installed; the segments still held leave at their times. */
    void uninstall() throws IOException;
}
