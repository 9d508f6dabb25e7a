package org.tcpbypass.proxy.relay;

import org.tcpbypass.proxy.Metrics;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.PriorityQueue;
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
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
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

    /** Runs {@code task} on this worker's thread once {@code delayNanos} have passed; call on that thread. */
    void schedule(Runnable task, long delayNanos) {
        timers.add(new Timer(System.nanoTime() + delayNanos, task));
    }

    /** A task due at a time. */
    private static final class Timer implements Comparable<Timer> {
        final long due;
        final Runnable task;

        Timer(long due, Runnable task) {
            this.due = due;
            this.task = task;
        }

        @Override
        public int compareTo(Timer o) {
            return Long.compare(due - o.due, 0);
        }
    }

    Selector selector() {
        return selector;
    }

    /**
     * Completes the closing of channels closed on this thread: the JDK releases a registered channel's socket
     * (and its port) only when a select deregisters its key. Readiness of the other channels is not lost: the
     * next select reports it again.
     */
    void releaseClosed() throws IOException {
        selector.selectNow(key -> { });
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
                Timer next = timers.peek();
                if (next == null) {
                    selector.select(this::dispatch);
                } else {
                    long wait = next.due - System.nanoTime();
                    if (wait <= 0) {
                        selector.selectNow(this::dispatch);
                    } else {
                        selector.select(this::dispatch, Math.max(1, (wait + 999_999) / 1_000_000));
                    }
                }
                for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
                    task.run();
                }
                long now = System.nanoTime();
                while (!timers.isEmpty() && timers.peek().due - now <= 0) {
                    timers.poll().task.run();
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
