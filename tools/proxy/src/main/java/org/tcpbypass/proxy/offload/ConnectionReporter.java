package org.tcpbypass.proxy.offload;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.tcpbypass.proxy.relay.Relay;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Tells the controller which connections the proxy opened and closed ({@code POST /connections}), batched
 * per interval. Relay threads only enqueue; a slow or absent controller costs them nothing, and events past a
 * bound are dropped and counted rather than held.
 */
public final class ConnectionReporter implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ConnectionReporter.class.getName());
    static final int MAX_QUEUED = 100_000;
    static final int MAX_BATCH = 10_000;

    private final String proxy;
    private final OffloadClient controller;
    private final Queue<ObjectNode> opened = new ConcurrentLinkedQueue<>();
    private final Queue<ObjectNode> closed = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final ScheduledExecutorService timer;
    private volatile CompletableFuture<Integer> inFlight = CompletableFuture.completedFuture(200);

    /** A reporter posting every {@code intervalMillis}. */
    public ConnectionReporter(String proxy, OffloadClient controller, int intervalMillis) {
        this.proxy = proxy;
        this.controller = controller;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "connection-reports");
            t.setDaemon(true);
            return t;
        });
        timer.scheduleWithFixedDelay(this::flush, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
    }

    /** A relay's legs are both up. */
    public void opened(Relay r) {
        enqueue(opened, r);
    }

    /** A relay that was reported opened has ended. */
    public void closed(Relay r) {
        enqueue(closed, r);
    }

    /** Events dropped because the controller did not keep up. */
    public long dropped() {
        return dropped.get();
    }

    /** Batches the controller did not accept. */
    public long failed() {
        return failed.get();
    }

    private void enqueue(Queue<ObjectNode> q, Relay r) {
        if (queued.incrementAndGet() > MAX_QUEUED) {
            queued.decrementAndGet();
            dropped.incrementAndGet();
            return;
        }
        ObjectNode c = JsonNodeFactory.instance.objectNode();
        c.set("client", Offloader.endpoint(r.client()));
        c.set("vip", Offloader.endpoint(r.vip()));
        c.set("proxyAddress", Offloader.endpoint(r.proxyAddress()));
        c.set("server", Offloader.endpoint(r.server()));
        q.add(c);
    }

    /** Posts one batch unless the previous one is still in flight. */
    void flush() {
        if (!inFlight.isDone() || opened.isEmpty() && closed.isEmpty()) {
            return;
        }
        ObjectNode batch = JsonNodeFactory.instance.objectNode();
        batch.put("proxy", proxy);
        int n = drain(opened, batch.putArray("opened")) + drain(closed, batch.putArray("closed"));
        inFlight = controller.report(batch).handle((status, error) -> {
            if (error != null || status != 200) {
                failed.incrementAndGet();
                LOG.fine(() -> "connection report of " + n + " events failed: "
                        + (error != null ? error.getMessage() : "HTTP " + status));
            }
            return status;
        });
    }

    private int drain(Queue<ObjectNode> q, ArrayNode into) {
        int n = 0;
        while (n < MAX_BATCH) {
            ObjectNode c = q.poll();
            if (c == null) {
                break;
            }
            into.add(c);
            n++;
        }
        queued.addAndGet(-n);
        return n;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
