package org.tcpbypass.proxy.linux;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The proxy's nftables table for hand-offs (one per network namespace), created at start-up with the {@code nft}
 * command and changed during hand-offs through {@link Netlink} set-element transactions, so no process is spawned
 * per hand-off. Three sets of flows, keyed {@code saddr . sport . daddr . dport}:
 * <ul>
 *   <li>{@code quiesced}: the proxy's own segments of these flows leave with window 0 (output hook), so the
 *       peers stop sending new payload without anything being dropped; the segments the hand-off crafts (marked)
 *       keep the window they were given, so a handed-off connection's peers are reopened before its sockets
 *       close;</li>
 *   <li>{@code frozen}: every incoming segment of these flows is dropped (prerouting, raw priority, before
 *       conntrack), so the sockets, in repair mode while the state read from them is offered to the controller,
 *       neither take payload nor answer anything (an answer would carry a TSval newer than the one reported).
 *       Segments that carry payload or FIN are counted apart: on a quiesced connection there are none.
 *       {@code ip length > 20 + 4 * doff} is exact for an IPv4 header of 5 words (nft has no arithmetic between
 *       fields, so one rule per doff value);</li>
 *   <li>{@code released}: every incoming segment of these flows is dropped until the element times out, so a
 *       straggler after a hand-off meets no closed socket and draws no RST.</li>
 * </ul>
 * Segments the hand-off crafts ({@link RawTcp}, marked) are kept out of conntrack, which would otherwise start
 * tracking the legs again after their entries were deleted.
 */
public final class HandoffFilter implements AutoCloseable {
    private static final List<String> NFT = List.of("nft", "-f", "-");
    private static final String QUIESCED = "quiesced";
    private static final String FROZEN = "frozen";
    private static final String RELEASED = "released";

    private final String table;
    private final Netlink netlink;
    private volatile boolean destroyKnown;

    /** A filter using nftables table {@code inet <table>}; {@link #install()} creates it. */
    public HandoffFilter(String table) throws IOException {
        this(table, true);
    }

    /** {@code destroyKnown} false: removes as before Linux 6.3, each key on its own. */
    HandoffFilter(String table, boolean destroyKnown) throws IOException {
        this.table = table;
        this.netlink = new Netlink();
        this.destroyKnown = destroyKnown;
    }

    /** The two legs of one proxied connection. */
    public static final class Flows {
        final byte[][] incoming;
        final byte[][] outgoing;

        /** Client leg {@code client -> vip}, server leg {@code proxy -> server}. */
        public Flows(InetSocketAddress client, InetSocketAddress vip, InetSocketAddress proxy,
                     InetSocketAddress server) {
            incoming = new byte[][] {Netlink.flowKey(client, vip), Netlink.flowKey(server, proxy)};
            outgoing = new byte[][] {Netlink.flowKey(vip, client), Netlink.flowKey(proxy, server)};
        }
    }

    /** (Re)creates the table with empty sets. */
    public void install() throws IOException {
        StringBuilder rules = new StringBuilder();
        for (int doff = 5; doff <= 15; doff++) {
            rules.append("    tcp doff ").append(doff).append(" ip length > ").append(20 + 4 * doff)
                    .append(" counter drop\n");
        }
        String flow = "ip saddr . tcp sport . ip daddr . tcp dport";
        String type = "{ type ipv4_addr . inet_service . ipv4_addr . inet_service; ";
        Commands.run(NFT, "table inet " + table + " {}\n"
                + "delete table inet " + table + "\n"
                + "table inet " + table + " {\n"
                + "  set " + QUIESCED + " " + type + "}\n"
                + "  set " + FROZEN + " " + type + "}\n"
                + "  set " + RELEASED + " " + type + "flags timeout; }\n"
                + "  chain freeze {\n"
                + "    ip hdrlength != 5 counter drop\n"
                + "    tcp flags & fin == fin counter drop\n"
                + rules
                + "    drop\n"
                + "  }\n"
                + "  chain prerouting {\n"
                + "    type filter hook prerouting priority raw; policy accept;\n"
                + "    " + flow + " @" + RELEASED + " drop\n"
                + "    " + flow + " @" + FROZEN + " jump freeze\n"
                + "  }\n"
                + "  chain output {\n"
                + "    type filter hook output priority raw; policy accept;\n"
                + "    meta mark " + RawTcp.MARK + " notrack\n"
                + "    meta mark != " + RawTcp.MARK + " " + flow + " @" + QUIESCED + " tcp window set 0\n"
                + "  }\n"
                + "}\n");
    }

    /** Removes the table. */
    public void uninstall() throws IOException {
        Commands.run(NFT, "delete table inet " + table + "\n");
    }

    /** The proxy's segments of both legs announce window 0 from now on. */
    public void quiesce(Flows f) throws IOException {
        apply(Netlink.SetChange.add(QUIESCED, 0, List.of(f.outgoing)));
    }

    /**
     * Lets one leg's peer send again ({@code quiesced} false) or quiesces it again: the proxy's segments of that leg
     * announce their real window, or window 0, from now on.
     *
     * @param leg 0 for the client leg, 1 for the server leg
     */
    public void quiesce(Flows f, int leg, boolean quiesced) throws IOException {
        List<byte[]> key = List.of(f.outgoing[leg]);
        apply(quiesced ? Netlink.SetChange.add(QUIESCED, 0, key) : Netlink.SetChange.delete(QUIESCED, key));
    }

    /** Every incoming segment of both legs is dropped from now on (payload and FIN counted). */
    public void freeze(Flows f) throws IOException {
        apply(Netlink.SetChange.add(FROZEN, 0, List.of(f.incoming)));
    }

    /**
     * Undoes {@link #quiesce} and, when {@code frozen}, {@link #freeze}, in one transaction; a leg whose peer is being
     * let through ({@link #quiesce(Flows, int, boolean)}) has no quiesce element, which is skipped.
     */
    public void thaw(Flows f, boolean frozen) throws IOException {
        Netlink.SetChange quiesced = Netlink.SetChange.destroy(QUIESCED, List.of(f.outgoing));
        if (frozen) {
            removeIfPresent(quiesced, Netlink.SetChange.destroy(FROZEN, List.of(f.incoming)));
        } else {
            removeIfPresent(quiesced);
        }
    }

    /** After a hand-off: every incoming segment of both legs is dropped for {@code seconds}; lifts the freeze. */
    public void release(Flows f, int seconds) throws IOException {
        apply(Netlink.SetChange.add(RELEASED, seconds * 1000L, List.of(f.incoming)),
              Netlink.SetChange.delete(FROZEN, List.of(f.incoming)));
    }

    /** Undoes {@link #freeze} alone; an element already gone is skipped. */
    public void unfreeze(Flows f) throws IOException {
        removeIfPresent(Netlink.SetChange.destroy(FROZEN, List.of(f.incoming)));
    }

    /**
     * Once a bypass has ended: stops dropping its flows (a new connection may reuse a 4-tuple); elements already
     * timed out are skipped.
     */
    public void unrelease(Flows f) throws IOException {
        removeIfPresent(Netlink.SetChange.destroy(RELEASED, List.of(f.incoming)));
    }

    /**
     * Applies {@code destroys} in one transaction. A missing element must not refuse it: the kernel would abort the
     * transaction with an RCU grace period under the mutex every other hand-off's change waits on
     * ({@link Netlink#refusedTransactions()}). Before Linux 6.3 there is no destroy; then each key is deleted on its
     * own, a missing one refused and skipped.
     */
    private void removeIfPresent(Netlink.SetChange... destroys) throws IOException {
        if (destroyKnown) {
            try {
                apply(destroys);
                return;
            } catch (Netlink.NetlinkException e) {
                if (e.errno != Netlink.EINVAL) {
                    throw e;
                }
                destroyKnown = false;
            }
        }
        for (Netlink.SetChange d : destroys) {
            for (byte[] key : d.keys) {
                try {
                    apply(Netlink.SetChange.delete(d.set, List.of(key)));
                } catch (Netlink.NetlinkException e) {
                    if (e.errno != Netlink.ENOENT) {
                        throw e;
                    }
                }
            }
        }
    }

    /** nf_tables transactions the kernel refused so far ({@link Netlink#refusedTransactions()}). */
    public long refusedTransactions() {
        return netlink.refusedTransactions();
    }

    /** Deletes the conntrack entry of both legs, if conntrack tracks them; returns how many there were. */
    public int forgetConnections(InetSocketAddress client, InetSocketAddress vip, InetSocketAddress proxy,
                                 InetSocketAddress server) throws IOException {
        int n = 0;
        n += netlink.deleteConntrack(Segment.ipv4Bytes(client), client.getPort(), Segment.ipv4Bytes(vip),
                                     vip.getPort()) ? 1 : 0;
        n += netlink.deleteConntrack(Segment.ipv4Bytes(proxy), proxy.getPort(), Segment.ipv4Bytes(server),
                                     server.getPort()) ? 1 : 0;
        return n;
    }

    private void apply(Netlink.SetChange... changes) throws IOException {
        netlink.apply(table, List.of(changes));
    }

    @Override
    public void close() {
        netlink.close();
    }
}
