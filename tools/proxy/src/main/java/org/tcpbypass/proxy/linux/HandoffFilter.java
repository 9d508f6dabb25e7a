package org.tcpbypass.proxy.linux;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Stops new payload (and FIN) of chosen TCP flows from reaching this host's sockets while pure ACKs pass,
 * with one nftables table in the proxy's network namespace. A segment of a frozen flow is dropped when
 * {@code ip length > 20 + 4 * doff} (it carries payload; nft has no arithmetic between fields, so one rule per
 * doff value), when it carries FIN, or when its IPv4 header has options (never the case for Linux TCP, and
 * dropping is always safe: the sender retransmits). Both sets are read in one prerouting chain at raw priority,
 * before conntrack; the AF_PACKET capture sees segments before this filter drops them.
 */
public final class PayloadFreeze {
    private static final List<String> NFT = List.of("nft", "-f", "-");
    private final String table;
    private final BlockingQueue<Change> changes = new LinkedBlockingQueue<>();
    private final Thread applier;

    /** A freeze using nftables table {@code inet <table>}. */
    public PayloadFreeze(String table) {
        this.table = table;
        this.applier = new Thread(this::applyChanges, "nft-" + table);
        applier.setDaemon(true);
        applier.start();
    }

    /** One set change waiting to be applied; concurrent hand-offs share one nft run (one fork and netlink batch). */
    private static final class Change {
        final String commands;
        final CompletableFuture<Void> done = new CompletableFuture<>();

        Change(String commands) {
            this.commands = commands;
        }
    }

    private void applyChanges() {
        List<Change> batch = new ArrayList<>();
        while (true) {
            try {
                batch.add(changes.take());
            } catch (InterruptedException e) {
                return;
            }
            changes.drainTo(batch);
            StringBuilder all = new StringBuilder();
            batch.forEach(c -> all.append(c.commands));
            try {
                Commands.run(NFT, all.toString());
                batch.forEach(c -> c.done.complete(null));
            } catch (IOException e) {
                // nft applies a batch atomically: find which change failed by applying them one by one
                for (Change c : batch) {
                    try {
                        Commands.run(NFT, c.commands);
                        c.done.complete(null);
                    } catch (IOException one) {
                        c.done.completeExceptionally(one);
                    }
                }
            }
            batch.clear();
        }
    }

    private void apply(String commands) throws IOException {
        Change c = new Change(commands);
        changes.add(c);
        try {
            c.done.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException ? (IOException) e.getCause() : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while changing the freeze", e);
        } catch (TimeoutException e) {
            throw new IOException("nft did not answer within 30 s", e);
        }
    }

    /** (Re)creates the table with an empty set of frozen flows. */
    public void install() throws IOException {
        StringBuilder rules = new StringBuilder();
        for (int doff = 5; doff <= 15; doff++) {
            rules.append("    tcp doff ").append(doff).append(" ip length > ").append(20 + 4 * doff)
                    .append(" drop\n");
        }
        Commands.run(NFT, "table inet " + table + " {}\n"
                + "delete table inet " + table + "\n"
                + "table inet " + table + " {\n"
                + "  set frozen { type ipv4_addr . inet_service . ipv4_addr . inet_service; }\n"
                + "  set released { type ipv4_addr . inet_service . ipv4_addr . inet_service; flags timeout; }\n"
                + "  chain freeze {\n"
                + "    ip hdrlength != 5 drop\n"
                + "    tcp flags & fin == fin drop\n"
                + rules
                + "  }\n"
                + "  chain prerouting {\n"
                + "    type filter hook prerouting priority raw; policy accept;\n"
                + "    ip saddr . tcp sport . ip daddr . tcp dport @released drop\n"
                + "    ip saddr . tcp sport . ip daddr . tcp dport @frozen jump freeze\n"
                + "  }\n"
                + "}\n");
    }

    /** Removes the table and stops applying changes. */
    public void uninstall() throws IOException {
        applier.interrupt();
        Commands.run(NFT, "delete table inet " + table + "\n");
    }

    /** Freezes the flows arriving from each {@code flows[2i]} to {@code flows[2i+1]}. */
    public void freeze(InetSocketAddress... flows) throws IOException {
        apply("add element inet " + table + " frozen { " + elements(flows) + " }\n");
    }

    /** Lifts the freeze of those flows. */
    public void thaw(InetSocketAddress... flows) throws IOException {
        apply("delete element inet " + table + " frozen { " + elements(flows) + " }\n");
    }

    /**
     * After a hand-off: drops every segment of those flows for {@code seconds} (then forgets them), so a late
     * segment finds no closed socket to answer with RST, and lifts their freeze.
     */
    public void release(int seconds, InetSocketAddress... flows) throws IOException {
        String e = elements(flows);
        apply("add element inet " + table + " released { "
                + e.replace(",", " timeout " + seconds + "s,") + " timeout " + seconds + "s }\n"
                + "delete element inet " + table + " frozen { " + e + " }\n");
    }

    private static String elements(InetSocketAddress... flows) {
        if (flows.length == 0 || flows.length % 2 != 0) {
            throw new IllegalArgumentException("flows come in (source, destination) pairs");
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < flows.length; i += 2) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(flows[i].getAddress().getHostAddress()).append(" . ").append(flows[i].getPort())
                    .append(" . ").append(flows[i + 1].getAddress().getHostAddress()).append(" . ")
                    .append(flows[i + 1].getPort());
        }
        return b.toString();
    }
}
