package org.tcpbypass.proxy.linux;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link FlowDelay} on any kernel with nfnetlink_queue: the held flows' segments go to a netfilter queue
 * ({@link RampFilter}) and wait in the proxy's {@link DelayLine}. No qdisc is involved.
 */
public final class QueueDelay implements FlowDelay {
    private final RampFilter filter;
    private final DelayLine line;
    private final String table;
    private final int queue;
    private final Set<ByteBuffer> held = ConcurrentHashMap.newKeySet();

    private QueueDelay(RampFilter filter, DelayLine line, String table, int queue) {
        this.filter = filter;
        this.line = line;
        this.table = table;
        this.queue = queue;
    }

    /**
     * Creates nftables table {@code ip <table>} and binds netfilter queue {@code queue} of {@code length} packets.
     *
     * @throws IOException naming what the kernel lacks; then nothing is left installed
     */
    public static QueueDelay install(String table, int queue, int length) throws IOException {
        RampFilter filter = new RampFilter(table);
        try {
            filter.install(queue);
        } catch (IOException e) {
            filter.close();
            throw e;
        }
        try {
            return new QueueDelay(filter, new DelayLine(new PacketQueue(queue, length)), table, queue);
        } catch (IOException e) {
            filter.uninstall();
            filter.close();
            throw e;
        }
    }

    @Override
    public String describe() {
        return "netfilter queue " + queue + " (nftables table ip " + table + ")";
    }

    @Override
    public void delay(InetSocketAddress from, InetSocketAddress to, long nanos) throws IOException {
        // The delay first: a segment queued before the line knows its flow would leave at once, ahead of none.
        line.delay(from, to, nanos);
        ByteBuffer key = ByteBuffer.wrap(Netlink.flowKey(from, to));
        if (!held.contains(key)) {
            filter.hold(from, to);
            held.add(key);
        }
    }

    @Override
    public boolean release(InetSocketAddress from, InetSocketAddress to, long timeoutNanos)
            throws IOException, InterruptedException {
        boolean left = line.release(from, to, timeoutNanos);
        filter.pass(from, to);
        line.forget(from, to);
        held.remove(ByteBuffer.wrap(Netlink.flowKey(from, to)));
        return left;
    }

    /** Removes the table, then lets the packets still held leave at their times and unbinds the queue. */
    @Override
    public void uninstall() throws IOException {
        try {
            filter.uninstall();
        } finally {
            line.close();
            filter.close();
        }
    }
}
