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
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassStore;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.TcpEndpoint;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * Watches the copies the switch holding a bypass sends of its segments and says when a connection has ended: after
 * a FIN in each direction, or one RST (the switch copies only those inside the receiver's window); and when a new
 * connection completed its handshake on one of its legs' tuples (the switch copies the segment that carries the
 * SYN's SEQ + 1 and the proxy host's SYN-ACK SEQ + 1, and forwards it untranslated), so the stale bypass must no
 * longer translate. A SYN proves nothing (anyone who knows the tuple can send one) and is left to other apps. The
 * copy may show the segment before or after the rewrite; either way one of its connection's legs joins its two
 * endpoints.
 */
final class CloseWatcher implements PacketProcessor {

    static final String BOTH_FINS = "FIN seen in both directions";
    static final String RST = "RST seen";
    static final String NEW_CONNECTION = "new connection on the tuple (handshake completed)";

    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int RST_FLAG = 0x04;
    private static final int ACK = 0x10;

    private final BypassStore store;
    private final BiConsumer<BypassId, String> ended;
    private final BiConsumer<BypassId, String> replaced;
    private final Map<BypassId, Set<BypassDirection>> fins = new ConcurrentHashMap<>();
    // Apart: a connection whose FINs wait out the linger may be replaced meanwhile, which must end it at once.
    private final Set<BypassId> endReported = ConcurrentHashMap.newKeySet();
    private final Set<BypassId> replacementReported = ConcurrentHashMap.newKeySet();

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
        // The switch parses neither 802.1Q tags nor a later fragment's payload: such frames are never its copies.
        Ethernet eth = context.inPacket().parsed();
        if (eth == null || eth.getEtherType() != Ethernet.TYPE_IPV4 || eth.getVlanID() != Ethernet.VLAN_UNTAGGED) {
            return;
        }
        IPv4 ip = (IPv4) eth.getPayload();
        if (ip.getProtocol() != IPv4.PROTOCOL_TCP || ip.getFragmentOffset() != 0 || !(ip.getPayload() instanceof TCP)) {
            return;
        }
        TCP tcp = (TCP) ip.getPayload();
        int flags = tcp.getFlags();
        if ((flags & SYN) != 0 || (flags & (FIN | RST_FLAG | ACK)) == 0) {
            return;
        }
        TcpEndpoint src = endpoint(ip.getSourceAddress(), tcp.getSourcePort());
        TcpEndpoint dst = endpoint(ip.getDestinationAddress(), tcp.getDestinationPort());
        if (src == null || dst == null) {
            return;
        }
        Optional<Bypass> bypass = store.liveByLeg(src, dst);
        // Other switches on the path may punt the connection's segments; only the bypass's own switch checks them.
        if (bypass.isEmpty() || bypass.get().translation().isEmpty()
                || !bypass.get().deviceId().equals(context.inPacket().receivedFrom().deviceId())) {
            return;
        }
        // A copy of a segment the switch already forwarded: no other app may act on it.
        context.block();
        if ((flags & (FIN | RST_FLAG)) == 0) {
            // Until its entries are in place the connection's segments follow the ACL, which may punt them.
            if (bypass.get().state() == BypassState.BYPASSED) {
                newConnection(bypass.get());
            }
        } else {
            segment(bypass.get(), direction(bypass.get().tuple(), src), (flags & RST_FLAG) != 0);
        }
    }

    /**
     * Accounts a segment that completed a new connection's handshake on a bypassed connection's tuple: the switch
     * forwarded it untranslated, so the bypass is stale.
     *
     * @param bypass the stale connection's record
     */
    void newConnection(Bypass bypass) {
        if (replacementReported.add(bypass.id())) {
            replaced.accept(bypass.id(), NEW_CONNECTION);
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
        if (done && endReported.add(bypass.id())) {
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
        endReported.remove(id);
        replacementReported.remove(id);
    }

    private static BypassDirection direction(ConnectionTuple tuple, TcpEndpoint src) {
        return src.equals(tuple.client()) || src.equals(tuple.proxy())
                ? BypassDirection.TO_SERVER : BypassDirection.TO_CLIENT;
    }

    private static TcpEndpoint endpoint(int ip, int port) {
        return port < 1 ? null : TcpEndpoint.of(Ip4Address.valueOf(ip), port);
    }
}
