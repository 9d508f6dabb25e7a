package org.tcpbypass.proxy.linux;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

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

    /** A freeze using nftables table {@code inet <table>}. */
    public PayloadFreeze(String table) {
        this.table = table;
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

    /** Removes the table. */
    public void uninstall() throws IOException {
        Commands.run(NFT, "delete table inet " + table + "\n");
    }

    /** Freezes the flows arriving from each {@code flows[2i]} to {@code flows[2i+1]}. */
    public void freeze(InetSocketAddress... flows) throws IOException {
        Commands.run(NFT, "add element inet " + table + " frozen { " + elements(flows) + " }\n");
    }

    /** Lifts the freeze of those flows. */
    public void thaw(InetSocketAddress... flows) throws IOException {
        Commands.run(NFT, "delete element inet " + table + " frozen { " + elements(flows) + " }\n");
    }

    /**
     * After a hand-off: drops every segment of those flows for {@code seconds} (then forgets them), so a late
     * segment finds no closed socket to answer with RST, and lifts their freeze.
     */
    public void release(int seconds, InetSocketAddress... flows) throws IOException {
        String e = elements(flows);
        Commands.run(NFT, "add element inet " + table + " released { "
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
