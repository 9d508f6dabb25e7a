package org.tcpbypass.impl;

import org.onlab.packet.Ethernet;
import org.onlab.packet.IPv4;
import org.onlab.packet.MacAddress;
import org.onlab.packet.TCP;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassDirection;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.TcpEndpoint;

/**
 * The frame the controller sends through the switch's pipeline (packet-out to TABLE) to probe one endpoint of an
 * idle bypass: a segment as the other endpoint would send it to the proxy, so the bypass entry of that direction
 * takes it, and the pipeline makes a keepalive of it (bypass.p4): SEQ one below the probed endpoint's last ACK point
 * and ACK the other endpoint's last one, both from what the switch last saw. Any TCP answers such a segment at once
 * with an ACK, which crosses the bypass and moves its counter; a host that no longer has the connection answers with
 * a RST, which ends the bypass. The entry rewrites the MAC addresses; the probe itself is not counted.
 */
final class KeepaliveProbe {

    /** ACK only: the one flag a keepalive carries. */
    private static final short ACK = 0x10;
    private static final int TCP_HEADER_WORDS = 5;
    private static final byte TTL = 64;

    private KeepaliveProbe() {
    }

    /**
     * The template for probing the receiver of {@code direction}.
     *
     * @param bypass    a bypassed record (it has a translation)
     * @param direction the direction whose receiver is probed: TO_CLIENT probes the client
     * @return an Ethernet frame: the direction's sender to the proxy, SEQ 0 (the switch adds the receiver's last ACK
     *         point less one to what it translates), ACK the receiver's own send point at the hand-off as the switch
     *         would translate it (kept where the switch has seen no ACK of the other endpoint since), window 0
     */
    static byte[] frame(Bypass bypass, BypassDirection direction) {
        BypassTranslation t = bypass.translation()
                .orElseThrow(() -> new IllegalArgumentException(bypass.id() + " has no translation"));
        ConnectionTuple tuple = bypass.tuple();
        TcpEndpoint from = direction == BypassDirection.TO_SERVER ? tuple.client() : tuple.server();
        TcpEndpoint to = direction == BypassDirection.TO_SERVER ? tuple.vip() : tuple.proxy();
        long receiverSendPoint = t.handOffSeq(BypassTranslation.opposite(direction));
        TCP tcp = new TCP();
        tcp.setSourcePort(from.port());
        tcp.setDestinationPort(to.port());
        tcp.setSequence(0);
        tcp.setAcknowledge((int) (receiverSendPoint + t.ackDelta(direction)));
        tcp.setDataOffset((byte) TCP_HEADER_WORDS);
        tcp.setFlags(ACK);
        tcp.setWindowSize((short) 0);
        IPv4 ip = new IPv4();
        ip.setSourceAddress(from.ip().toInt());
        ip.setDestinationAddress(to.ip().toInt());
        ip.setProtocol(IPv4.PROTOCOL_TCP);
        ip.setTtl(TTL);
        ip.setPayload(tcp);
        Ethernet eth = new Ethernet();
        eth.setSourceMACAddress(MacAddress.ZERO);
        eth.setDestinationMACAddress(MacAddress.ZERO);
        eth.setEtherType(Ethernet.TYPE_IPV4);
        eth.setPayload(ip);
        return eth.serialize();
    }
}
