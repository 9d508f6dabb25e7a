package org.tcpbypass.proxy.relay;

import org.tcpbypass.proxy.Metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Queue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Level;
import java.util.logging.Logger;

/** One selector thread relaying many connections; other threads reach its relays only through {@link #call}. */
public final class RelayWorker implements Runnable {
    private static final Logger LOG = Logger.getLogger(RelayWorker.class.getName());
    private final Selector selector;
    private final RelayEvents events;
    private final Metrics metrics;
    private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    RelayWorker(String name, RelayEvents events, Metrics metrics) throws IOException {
        this.selector = Selector.open();
        this.events = events;
        this.metrics = metrics;
        this.thread = new Thread(this, name);
    }

    void start() {
        thread.start();
    }

    /** Runs {@code task} on this worker's thread. */
    public <T> CompletableFuture<T> call(Callable<T> task) {
        CompletableFuture<T> result = new CompletableFuture<>();
        execute(() -> {
            try {
                result.complete(task.call());
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        });
        return result;
    }

    /** Runs {@code task} on this worker's thread, later. */
    public void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    Selector selector() {
        return selector;
    }

    RelayEvents events() {
        return events;
    }

    Metrics metrics() {
        return metrics;
    }

    @Override
    public void run() {
        try {
            while (running) {
                selector.select(this::dispatch);
                for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
                    task.run();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClosedSelectorException e) {
            LOG.log(Level.FINE, "selector closed", e);
        }
    }

    private void dispatch(SelectionKey key) {
        Object a = key.attachment();
        if (!key.isValid()) {
            return;
        }
        if (a instanceof Relay) {
            ((Relay) a).ready(key);
        } else if (a instanceof Runnable) {
            ((Runnable) a).run();
        }
    }

    void stop() throws InterruptedException {
        running = false;
        execute(() -> {
            for (SelectionKey k : selector.keys()) {
                if (k.attachment() instanceof Relay) {
                    ((Relay) k.attachment()).abort();
                }
            }
        });
        thread.join(5000);
        try {
            selector.close();
        } catch (IOException e) {
            LOG.log(Level.FINE, "closing selector", e);
        }
    }
}
