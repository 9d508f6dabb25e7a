package org.tcpbypass.lab.net;

import org.tcpbypass.lab.net.FramePort;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;

/**
 * A user-space link between a host and its switch port that delays, drops and reorders frames: what tc netem
 * would do on kernels that have it (this machine's kernel has no sch_netem). Two AF_PACKET sockets in the
 * link's own namespace; each direction has its one-way delay, loss and reordering, all adjustable while
 * running.
 */
public final class ImpairedLink implements Closeable {

    private final Direction towardsSwitch;
    private final Direction towardsHost;

    ImpairedLink(String namespace, String hostSide, String switchSide, long seed) {
        FramePort host = open(namespace, hostSide);
        FramePort sw = open(namespace, switchSide);
        towardsSwitch = new Direction(host, sw, new Random(seed), "link-" + hostSide + "-up");
        towardsHost = new Direction(sw, host, new Random(seed + 1), "link-" + hostSide + "-down");
    }

    private static FramePort open(String namespace, String ifname) {
        return Netns.call(namespace, () -> {
            try {
                return new FramePort(ifname, 100);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /**
     * Sets both directions' one-way delay.
     *
     * @param micros one-way delay in microseconds
     */
    public void setDelayMicros(long micros) {
        towardsSwitch.delayMicros = micros;
        towardsHost.delayMicros = micros;
    }

    /**
     * Sets loss and reordering in both directions.
     *
     * @param lossPercent    share of frames dropped
     * @param reorderPercent share of frames held back an extra {@code reorderMicros}
     * @param reorderMicros  extra delay of a reordered frame
     */
    public void setImpairment(double lossPercent, double reorderPercent, long reorderMicros) {
        for (Direction d : new Direction[]{towardsSwitch, towardsHost}) {
            d.loss = lossPercent / 100;
            d.reorder = reorderPercent / 100;
            d.reorderMicros = reorderMicros;
        }
    }

    /** Frames dropped so far, both directions. */
    public long dropped() {
        return towardsSwitch.dropped + towardsHost.dropped;
    }

    /** Frames reordered so far, both directions. */
    public long reordered() {
        return towardsSwitch.reordered + towardsHost.reordered;
    }

    @Override
    public void close() {
        towardsSwitch.stop();
        towardsHost.stop();
    }

    private static final class Direction {
        final FramePort in;
        final FramePort out;
        final Random random;
        final DelayQueue<Frame> queue = new DelayQueue<>();
        final Thread reader;
        final Thread writer;
        volatile boolean running = true;
        volatile long delayMicros;
        volatile double loss;
        volatile double reorder;
        volatile long reorderMicros;
        volatile long dropped;
        volatile long reordered;
        long lastDue;

        Direction(FramePort in, FramePort out, Random random, String name) {
            this.in = in;
            this.out = out;
            this.random = random;
            reader = new Thread(this::read, name + "-in");
            writer = new Thread(this::write, name + "-out");
            reader.setDaemon(true);
            writer.setDaemon(true);
            reader.start();
            writer.start();
        }

        private void read() {
            while (running) {
                byte[] f = in.receive();
                if (f == null) {
                    continue;
                }
                if (loss > 0 && random.nextDouble() < loss) {
                    dropped++;
                    continue;
                }
                long due = System.nanoTime() + delayMicros * 1000;
                if (reorder > 0 && random.nextDouble() < reorder) {
                    reordered++;
                    due += reorderMicros * 1000;
                } else {
                    // A fixed-delay link keeps order even while its delay is being raised or lowered.
                    due = Math.max(due, lastDue);
                    lastDue = due;
                }
                queue.put(new Frame(f, due));
            }
        }

        private void write() {
            while (running) {
                try {
                    Frame f = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (f != null) {
                        out.send(f.data);
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (IOException e) {
                    // The peer interface went away: the lab is being torn down.
                    return;
                }
            }
        }

        void stop() {
            running = false;
            writer.interrupt();
            try {
                reader.join(1000);
                writer.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            in.close();
        }
    }

    private static final class Frame implements Delayed {
        final byte[] data;
        final long due;

        Frame(byte[] data, long due) {
            this.data = data;
            this.due = due;
        }

        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed o) {
            return Long.compare(due, ((Frame) o).due);
        }
    }
}
