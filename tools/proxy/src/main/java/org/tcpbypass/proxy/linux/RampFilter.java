package org.tcpbypass.proxy.linux;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * The proxy's nftables table for the RTT ramp ({@code ip <name>}, created only when the ramp is enabled): the
 * incoming segments of the flows in set {@code held} (keyed {@code saddr . sport . daddr . dport}, changed per
 * connection through {@link Netlink}) go to netfilter queue {@code queue} at the input hook, where the proxy's
 * delay line holds them. The queue is reached through the xtables NFQUEUE target (nft_compat), since the nft
 * {@code queue} statement is not built into every kernel; with nobody bound to the queue its packets pass
 * unheld. Nothing else of the host's packet filter or qdiscs is touched.
 */
public final class RampFilter implements AutoCloseable {
    private static final List<String> NFT = List.of("nft", "-f", "-");
    private static final String HELD = "held";
    private static final String HOLD = "hold";

    private final String table;
    private final Netlink netlink;

    /** A filter using table {@code ip <table>}; {@link #install} creates it. */
    public RampFilter(String table) throws IOException {
        this.table = table;
        this.netlink = new Netlink();
    }

    /**
     * (Re)creates the table with an empty set.
     *
     * @throws IOException naming what the kernel lacks; then the table is gone
     */
    public void install(int queue) throws IOException {
        Commands.run(NFT, "table ip " + table + " {}\n"
                + "delete table ip " + table + "\n"
                + "table ip " + table + " {\n"
                + "  set " + HELD + " { type ipv4_addr . inet_service . ipv4_addr . inet_service; }\n"
                + "  chain " + HOLD + " {\n"
                + "  }\n"
                + "  chain input {\n"
                + "    type filter hook input priority filter; policy accept;\n"
                + "    ip saddr . tcp sport . ip daddr . tcp dport @" + HELD + " jump " + HOLD + "\n"
                + "  }\n"
                + "}\n");
        try {
            netlink.appendQueueRule(table, HOLD, queue);
        } catch (IOException e) {
            uninstall();
            throw new IOException("rttRamp needs the xtables NFQUEUE target (kernel CONFIG_NETFILTER_XT_TARGET_NFQUEUE"
                                          + " and CONFIG_NFT_COMPAT): " + e.getMessage(), e);
        }
    }

    /** Removes the table. */
    public void uninstall() throws IOException {
        Commands.run(NFT, "delete table ip " + table + "\n");
    }

    /** The segments {@code from -> to} are held from now on. */
    public void hold(InetSocketAddress from, InetSocketAddress to) throws IOException {
        netlink.applyIpv4(table, List.of(Netlink.SetChange.add(HELD, 0, List.of(Netlink.flowKey(from, to)))));
    }

    /** The segments {@code from -> to} pass unheld from now on; a flow not held is ignored. */
    public void pass(InetSocketAddress from, InetSocketAddress to) throws IOException {
        try {
            netlink.applyIpv4(table, List.of(Netlink.SetChange.delete(HELD, List.of(Netlink.flowKey(from, to)))));
        } catch (Netlink.NetlinkException e) {
            if (e.errno != Netlink.ENOENT) {
                throw e;
            }
        }
    }

    @Override
    public void close() {
        netlink.close();
    }
}
