package org.tcpbypass.impl;

import org.onlab.packet.Ethernet;
import org.onlab.packet.IPv4;
import org.onlab.packet.Ip4Address;
import org.onlab.packet.TCP;
import org.onosproject.net.packet.PacketContext;
import org.onosproject.net.packet.PacketProcessor;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassDirection;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassStore;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.TcpEndpoint;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Watches the FIN, RST and SYN copies the switch sends for bypassed connections and says when a connection has
 * ended: after a FIN in each direction, or one RST; and when a SYN opened a new connection on one of its legs'
 * tuples, which the switch forwarded untranslated and the stale bypass must no longer translate. The copy may
 * show the segment before or after the rewrite; either way one of its connection's legs joins its two endpoints.
 */
final class CloseWatcher implements PacketProcessor {

    static final String BOTH_FINS = "FIN seen in both directions";
    static final String RST = "RST seen";
    static final String SYN_SEEN = "new connection on the tuple (SYN seen)";

    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int RST_FLAG = 0x04;

    private final BypassStore store;
    private final BiConsumer<BypassId, String> ended;
    private final BiConsumer<BypassId, String> replaced;
    private final Map<BypassId, Set<BypassDirection>> fins = new ConcurrentHashMap<>();
    private final Set<BypassId> reported = ConcurrentHashMap.newKeySet();

    /**
     * Creates a watcher.
     *
     * @param store bypass records
     * @param ended    told, once per connection, that it ended and why
     * @param replaced told, once per connection, that a new connection took one of its tuples, and why
     */
    CloseWatcher(BypassStore store, BiConsumer<BypassId, String> ended, BiConsumer<BypassId, String> replaced) {
        this.store = store;
        this.ended = ended;
        this.replaced = replaced;
    }

    @Override
    public void process(PacketContext context) {
        if (context.isHandled()) {
            return;
        }
        Ethernet eth = context.inPacket().parsed();
        if (eth == null || eth.getEtherType() != Ethernet.TYPE_IPV4) {
            return;
        }
        IPv4 ip = (IPv4) eth.getPayload();
        if (ip.getProtocol() != IPv4.PROTOCOL_TCP || !(ip.getPayload() instanceof TCP)) {
            return;
        }
        TCP tcp = (TCP) ip.getPayload();
        int flags = tcp.getFlags();
        if ((flags & (FIN | SYN | RST_FLAG)) == 0) {
            return;
        }
        TcpEndpoint src = endpoint(ip.getSourceAddress(), tcp.getSourcePort());
        TcpEndpoint dst = endpoint(ip.getDestinationAddress(), tcp.getDestinationPort());
        if (src == null || dst == null) {
            return;
        }
        Optional<Bypass> bypass = store.liveByLeg(src, dst);
        if (bypass.isEmpty() || bypass.get().translation().isEmpty()) {
            return;
        }
        // A copy of a segment the switch already forwarded: no other app may act on it.
        context.block();
        if ((flags & SYN) != 0) {
            syn(bypass.get());
        } else {
            segment(bypass.get(), direction(bypass.get().tuple(), src), (flags & RST_FLAG) != 0);
        }
    }

    /**
     * Accounts a SYN or SYN-ACK on a bypassed connection's tuple: a new connection that the switch does not
     * translate, so the bypass is stale.
     *
     * @param bypass the stale connection's record
     */
    void syn(Bypass bypass) {
        if (reported.add(bypass.id())) {
            replaced.accept(bypass.id(), SYN_SEEN);
        }
    }

    /**
     * Accounts one FIN or RST segment of a bypassed connection.
     *
     * @param bypass    the connection's record
     * @param direction which way the segment travelled
     * @param rst       true for RST, false for FIN
     */
    void segment(Bypass bypass, BypassDirection direction, boolean rst) {
        boolean done = rst;
        if (!rst) {
            Set<BypassDirection> seen = fins.computeIfAbsent(bypass.id(), k -> ConcurrentHashMap.newKeySet());
            seen.add(direction);
            done = seen.size() == BypassDirection.values().length;
        }
        if (done && reported.add(bypass.id())) {
            ended.accept(bypass.id(), rst ? RST : BOTH_FINS);
        }
    }

    /**
     * Forgets a connection that reached a final state.
     *
     * @param id record id
     */
    void forget(BypassId id) {
        fins.remove(id);
        reported.remove(id);
    }

    private static BypassDirection direction(ConnectionTuple tuple, TcpEndpoint src) {
        return src.equals(tuple.client()) || src.equals(tuple.proxy())
                ? BypassDirection.TO_SERVER : BypassDirection.TO_CLIENT;
    }

    private static TcpEndpoint endpoint(int ip, int port) {
        return port < 1 ? null : TcpEndpoint.of(Ip4Address.valueOf(ip), port);
    }
}
