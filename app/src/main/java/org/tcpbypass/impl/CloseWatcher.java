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
 * Watches the FIN and RST copies the switch sends for bypassed connections and says when a connection has
 * ended: after a FIN in each direction, or one RST. The copy may show the segment before or after the rewrite;
 * either way one of its connection's legs joins its two endpoints.
 */
final class CloseWatcher implements PacketProcessor {

    static final String BOTH_FINS = "FIN seen in both directions";
    static final String RST = "RST seen";

    private static final int FIN = 0x01;
    private static final int RST_FLAG = 0x04;

    private final BypassStore store;
    private final BiConsumer<BypassId, String> ended;
    private final Map<BypassId, Set<BypassDirection>> fins = new ConcurrentHashMap<>();
    private final Set<BypassId> reported = ConcurrentHashMap.newKeySet();

    /**
     * Creates a watcher.
     *
     * @param store bypass records
     * @param ended told, once per connection, that it ended and why
     */
    CloseWatcher(BypassStore store, BiConsumer<BypassId, String> ended) {
        this.store = store;
        this.ended = ended;
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
        if ((flags & (FIN | RST_FLAG)) == 0) {
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
        segment(bypass.get(), direction(bypass.get().tuple(), src), (flags & RST_FLAG) != 0);
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
