package org.tcpbypass.proxy.linux;

import org.junit.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import static org.junit.Assert.assertEquals;

/** The segments the hand-off crafts, read back by the parser the capture uses. */
public class RawTcpTest {

    private static final InetSocketAddress PROXY = new InetSocketAddress("198.18.0.2", 80);
    private static final InetSocketAddress CLIENT = new InetSocketAddress("198.18.0.1", 40000);

    @Test
    public void duplicateByteCarriesOneByteAtItsSeqWithValidChecksums() {
        byte[] p = RawTcp.ack(PROXY, CLIENT, 0xffffffffL, 1234, 0, 777, 555, 1);
        Segment s = Segment.parse(ByteBuffer.wrap(p), 0);
        assertEquals(1, s.payloadLength);
        assertEquals(0xffffffffL, s.seq);
        assertEquals(1234, s.ack);
        assertEquals(0, s.window);
        assertEquals(777, s.tsVal);
        assertEquals(555, s.tsEcr);
        assertEquals("IPv4 header checksum", 0, RawTcp.checksum(p, 0, 20, 0));
        assertEquals("TCP checksum", 0, RawTcp.checksum(p, 20, p.length - 20, pseudoHeaderSum(p)));
    }

    @Test
    public void pureAckCarriesNoPayload() {
        byte[] p = RawTcp.ack(PROXY, CLIENT, 10, 20, 14, -1, 0, 0);
        Segment s = Segment.parse(ByteBuffer.wrap(p), 0);
        assertEquals(0, s.payloadLength);
        assertEquals(-1, s.tsVal);
        assertEquals(14, s.window);
        assertEquals("TCP checksum", 0, RawTcp.checksum(p, 20, p.length - 20, pseudoHeaderSum(p)));
    }

    @Test
    public void firstSackBlockLeftEdgeIsReadForADsack() {
        // An ACK with NOP NOP SACK{[0xfffffffe, 0xffffffff), [100, 200)}: a D-SACK for the byte before the wrap.
        byte[] ack = RawTcp.ack(CLIENT, PROXY, 5, 0xffffffffL, 80, -1, 0, 0);
        ByteBuffer p = ByteBuffer.allocate(ack.length + 20);
        p.put(ack, 0, 20).put(ack, 20, 20);
        p.put((byte) 1).put((byte) 1).put((byte) 5).put((byte) 18)
                .putInt((int) 0xfffffffeL).putInt((int) 0xffffffffL).putInt(100).putInt(200);
        p.putShort(2, (short) p.capacity());
        p.put(32, (byte) (40 / 4 << 4));
        Segment s = Segment.parse(ByteBuffer.wrap(p.array()), 0);
        assertEquals(2, s.sackBlocks);
        assertEquals(0xfffffffeL, s.firstSackLeft);
        assertEquals(0, s.payloadLength);
    }

    @Test
    public void noSackOptionMeansNoFirstBlock() {
        Segment s = Segment.parse(ByteBuffer.wrap(RawTcp.ack(CLIENT, PROXY, 5, 6, 80, 1, 2, 0)), 0);
        assertEquals(0, s.sackBlocks);
        assertEquals(-1, s.firstSackLeft);
    }

    private static long pseudoHeaderSum(byte[] p) {
        long s = 0;
        for (int i = 12; i < 20; i += 2) {
            s += (p[i] & 0xff) << 8 | p[i + 1] & 0xff;
        }
        return s + 6 + p.length - 20;
    }
}
