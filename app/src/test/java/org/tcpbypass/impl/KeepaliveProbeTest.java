package org.tcpbypass.impl;

import org.junit.Test;
import org.onlab.packet.Ethernet;
import org.onlab.packet.IPv4;
import org.onlab.packet.TCP;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassDirection;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassTranslation;

import java.util.Arrays;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.tcpbypass.api.BypassDirection.TO_CLIENT;
import static org.tcpbypass.api.BypassDirection.TO_SERVER;
import static org.tcpbypass.impl.TestData.CLIENT;
import static org.tcpbypass.impl.TestData.CLIENT_LEG;
import static org.tcpbypass.impl.TestData.DEVICE;
import static org.tcpbypass.impl.TestData.PROXY;
import static org.tcpbypass.impl.TestData.SERVER;
import static org.tcpbypass.impl.TestData.SERVER_LEG;
import static org.tcpbypass.impl.TestData.TUPLE;
import static org.tcpbypass.impl.TestData.VIP;

/**
 * The probe templates of an idle bypass: each is a segment its direction's entry takes (the sender's addresses and
 * ports towards the proxy), ACK only, SEQ 0 and no payload or options, with checksums right, and an ACK the entry
 * turns into the probed endpoint's own send point at the hand-off.
 */
public class KeepaliveProbeTest {

    private final BypassTranslation translation = BypassTranslation.of(CLIENT_LEG, SERVER_LEG);
    private final Bypass bypass = Bypass.offloading(BypassId.of(7), "proxy1", DEVICE, TUPLE, translation, 0);

    @Test
    public void theClientsProbeIsTheServersSegmentToTheProxy() throws Exception {
        TCP tcp = assertTemplate(KeepaliveProbe.frame(bypass, TO_CLIENT), SERVER.ip().toInt(), PROXY.ip().toInt());
        assertEquals(SERVER.port(), tcp.getSourcePort());
        assertEquals(PROXY.port(), tcp.getDestinationPort());
        assertEquals("translated, the ACK is where the client stood at the hand-off (the proxy's rcv_nxt)",
                     CLIENT_LEG.rcvNxt(), translation.mapAck(TO_CLIENT, tcp.getAcknowledge() & 0xffffffffL));
    }

    @Test
    public void theServersProbeIsTheClientsSegmentToTheVip() throws Exception {
        TCP tcp = assertTemplate(KeepaliveProbe.frame(bypass, TO_SERVER), CLIENT.ip().toInt(), VIP.ip().toInt());
        assertEquals(CLIENT.port(), tcp.getSourcePort());
        assertEquals(VIP.port(), tcp.getDestinationPort());
        assertEquals("translated, the ACK is where the server stood at the hand-off",
                     SERVER_LEG.rcvNxt(), translation.mapAck(TO_SERVER, tcp.getAcknowledge() & 0xffffffffL));
    }

    @Test(expected = IllegalArgumentException.class)
    public void aRecordWithoutTranslationHasNoProbe() {
        KeepaliveProbe.frame(Bypass.proxied(BypassId.of(8), "proxy1", DEVICE, TUPLE, 0), TO_CLIENT);
    }

    private static TCP assertTemplate(byte[] frame, int src, int dst) throws Exception {
        Ethernet eth = Ethernet.deserializer().deserialize(frame, 0, frame.length);
        assertEquals(Ethernet.TYPE_IPV4, eth.getEtherType());
        IPv4 ip = (IPv4) eth.getPayload();
        assertEquals(src, ip.getSourceAddress());
        assertEquals(dst, ip.getDestinationAddress());
        assertEquals("no IPv4 options", 5, ip.getHeaderLength());
        assertEquals("not a fragment", 0, ip.getFragmentOffset() | ip.getFlags() & 1);
        TCP tcp = (TCP) ip.getPayload();
        assertEquals("ACK only", 0x10, tcp.getFlags());
        assertEquals(0, tcp.getSequence());
        assertEquals("no options", 5, tcp.getDataOffset());
        assertEquals(0, tcp.getWindowSize());
        assertEquals("no payload", 14 + 20 + 20, frame.length);
        assertEquals("IPv4 checksum", 0, onesComplementSum(frame, 14, 20));
        byte[] pseudo = new byte[12 + 20];
        System.arraycopy(frame, 14 + 12, pseudo, 0, 8);
        pseudo[9] = 6;
        pseudo[11] = 20;
        System.arraycopy(frame, 34, pseudo, 12, 20);
        assertEquals("TCP checksum", 0, onesComplementSum(pseudo, 0, pseudo.length));
        assertTrue(Arrays.equals(frame, KeepaliveProbe.frame(
                Bypass.offloading(BypassId.of(9), "proxy1", DEVICE, TUPLE, BypassTranslation.of(CLIENT_LEG,
                                                                                               SERVER_LEG), 5),
                src == CLIENT.ip().toInt() ? BypassDirection.TO_SERVER : BypassDirection.TO_CLIENT)));
        return tcp;
    }

    // The 16-bit one's complement sum of a header with its checksum, complemented: 0 when the checksum is right.
    private static int onesComplementSum(byte[] b, int offset, int length) {
        int sum = 0;
        for (int i = 0; i < length; i += 2) {
            sum += (b[offset + i] & 0xff) << 8 | (b[offset + i + 1] & 0xff);
        }
        while (sum >> 16 != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return ~sum & 0xffff;
    }
}
