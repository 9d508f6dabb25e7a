package org.tcpbypass.proxy.linux;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Holds each packet a {@link PacketQueue} receives for its flow's current delay, then lets it go on unchanged.
 * A flow's packets leave in the order they came: none is released before an earlier one, also when the delay
 * falls. Packets of a flow without a delay leave at once. Nothing is dropped: on {@link #close} the packets
 * still held leave at their times. One thread reads the queue, another gives the verdicts.
 */
public final class DelayLine implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(DelayLine.class.getName());
    private static final long POLL_NANOS = 100_000_000;

    private final PacketQueue queue;
    private final Map<ByteBuffer, Flow> flows = new ConcurrentHashMap<>();
    private final DelayQueue<Held> held = new DelayQueue<>();
    private final AtomicLong arrivals = new AtomicLong();
    private final Thread reader;
    private final Thread releaser;
    private volatile boolean closing;
    private volatile boolean read;

    /** Starts holding what {@code queue} receives. */
    public DelayLine(PacketQueue queue) {
        this.queue = queue;
        this.reader = new Thread(this::read, "delay-line-reader");
        this.releaser = new Thread(this::release, "delay-line-releaser");
        reader.setDaemon(true);
        releaser.setDaemon(true);
        reader.start();
        releaser.start();
    }

    /** One flow's delay and how many of its packets came and left. */
    private static final class Flow {
        volatile long delayNanos;
        // Written by the reader only.
        long lastRelease;
        final AtomicLong queued = new AtomicLong();
        final AtomicLong released = new AtomicLong();
    }

    /** A packet held until {@code release} (System.nanoTime); ties leave in arrival order. */
    private static final class Held implements Delayed {
        final int id;
        final long release;
        final long order;
        final Flow flow;

        Held(int id, long release, long order, Flow flow) {
            this.id = id;
            this.release = release;
            this.order = order;
            this.flow = flow;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(release - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            Held h = (Held) o;
            int c = Long.compare(release - h.release, 0);
            return c != 0 ? c : Long.compare(order, h.order);
        }
    }

    /** Holds the packets {@code from -> to} that arrive from now on for {@code nanos}. */
    public void delay(InetSocketAddress from, InetSocketAddress to, long nanos) {
        flows.computeIfAbsent(key(from, to), k -> new Flow()).delayNanos = nanos;
    }

    /**
     * Holds no further packet {@code from -> to} and waits up to {@code timeoutNanos} until every one held has
     * left (in order, at its time); returns whether they all left.
     */
    public boolean release(InetSocketAddress from, InetSocketAddress to, long timeoutNanos)
            throws InterruptedException {
        Flow f = flows.get(key(from, to));
        if (f == null) {
            return true;
        }
        f.delayNanos = 0;
        long came = f.queued.get();
        long deadline = System.nanoTime() + timeoutNanos;
        while (f.released.get() < came) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            TimeUnit.MILLISECONDS.sleep(1);
        }
        return true;
    }

    /** Forgets flow {@code from -> to}: its packets, if any still come, leave at once. */
    public void forget(InetSocketAddress from, InetSocketAddress to) {
        flows.remove(key(from, to));
    }

    private static ByteBuffer key(InetSocketAddress from, InetSocketAddress to) {
        return ByteBuffer.wrap(Netlink.flowKey(from, to));
    }

    private void read() {
        while (true) {
            try {
                long before = arrivals.get();
                if (queue.receive(this::arrived)) {
                    LOG.warning("the delay line's socket overflowed: the kernel passed packets unheld");
                }
                // Once closing, the table is gone: a receive that brings nothing means the kernel holds nothing.
                if (closing && arrivals.get() == before) {
                    break;
                }
            } catch (IOException e) {
                LOG.log(Level.WARNING, "the delay line cannot read its queue; the kernel keeps what it holds", e);
                break;
            }
        }
        read = true;
    }

    private void arrived(int id, ByteBuffer head) {
        long now = System.nanoTime();
        Flow f = null;
        if (head.remaining() >= 20) {
            int ihl = (head.get(0) & 0xf) * 4;
            if (head.remaining() >= ihl + 4) {
                // Netlink.flowKey's layout: address, port, two bytes of padding; source first.
                ByteBuffer key = ByteBuffer.allocate(16);
                key.putInt(head.getInt(12)).putShort(head.getShort(ihl)).putShort((short) 0);
                key.putInt(head.getInt(16)).putShort(head.getShort(ihl + 2)).putShort((short) 0);
                f = flows.get(key.rewind());
            }
        }
        long release = now;
        if (f != null) {
            release = now + f.delayNanos;
            if (f.queued.get() > 0 && f.lastRelease - release > 0) {
                release = f.lastRelease;
            }
            f.lastRelease = release;
            f.queued.incrementAndGet();
        }
        held.add(new Held(id, release, arrivals.getAndIncrement(), f));
    }

    private void release() {
        while (!(read && held.isEmpty())) {
            Held h;
            try {
                h = held.poll(POLL_NANOS, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                continue;
            }
            if (h == null) {
                continue;
            }
            try {
                queue.accept(h.id);
            } catch (IOException e) {
                LOG.log(Level.WARNING, "the delay line cannot release a packet; the kernel keeps it", e);
            }
            if (h.flow != null) {
                h.flow.released.incrementAndGet();
            }
        }
    }

    /**
     * Stops once what the kernel still queued is read and everything held has left at its time; then unbinds the
     * queue. Call it after the packet filter stopped sending packets here.
     */
    @Override
    public void close() {
        closing = true;
        try {
            reader.join();
            releaser.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        queue.close();
    }
}
