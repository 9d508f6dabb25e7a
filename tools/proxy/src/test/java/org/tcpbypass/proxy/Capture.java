package org.tcpbypass.proxy;

import org.tcpbypass.proxy.linux.PacketCapture;
import org.tcpbypass.proxy.linux.Segment;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/** Records every segment to or from some endpoints, in a namespace, until closed. */
final class Capture implements AutoCloseable {
    private static final long POLL_NANOS = 20_000_000;
    private final List<Segment> segments = new ArrayList<>();
    private final ExecutorService pool;
    private final Future<?> loop;
    private volatile boolean running = true;

    Capture(String ns, InetSocketAddress... endpoints) throws Exception {
        pool = Netns.executor(ns);
        PacketCapture capture = pool.submit(() -> new PacketCapture(List.of(endpoints), false))
                .get(10, TimeUnit.SECONDS);
        loop = pool.submit(() -> {
            try (PacketCapture c = capture) {
                while (running) {
                    add(c.next(POLL_NANOS));
                }
                // What was captured before the close counts, however far behind this thread ran.
                for (Segment s = c.poll(); s != null; s = c.poll()) {
                    add(s);
                }
            }
            return null;
        });
    }

    private void add(Segment s) {
        if (s != null) {
            synchronized (segments) {
                segments.add(s);
            }
        }
    }

    List<Segment> segments() {
        synchronized (segments) {
            return new ArrayList<>(segments);
        }
    }

    List<Segment> from(InetSocketAddress source, InetSocketAddress destination) {
        List<Segment> out = new ArrayList<>();
        for (Segment s : segments()) {
            if (s.isFrom(source, destination)) {
                out.add(s);
            }
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        running = false;
        loop.get(10, TimeUnit.SECONDS);
        pool.shutdownNow();
    }
}
