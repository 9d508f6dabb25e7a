package org.tcpbypass.proxy.linux;

import org.junit.Test;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

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
    public void resetCarriesOnlyRstAtItsSeq() {
        byte[] p = RawTcp.segment(PROXY, CLIENT, Segment.RST, 0xfffffff0L, 0, 0, -1, 0, 0);
        Segment s = Segment.parse(ByteBuffer.wrap(p), 0);
        assertEquals("RST alone: no ACK flag", Segment.RST, s.flags);
        assertEquals(0xfffffff0L, s.seq);
        assertEquals(0, s.payloadLength);
        assertEquals("no timestamps option", -1, s.tsVal);
        assertEquals("TCP checksum", 0, RawTcp.checksum(p, 20, p.length - 20, pseudoHeaderSum(p)));
    }

    @Test
    public void firstSackBlockLeftEdgeIsReadForADsack() {
        // SACK{[0xfffffffe, 0xffffffff), [100, 200)} under ACK 0xffffffff: a D-SACK for the byte before the wrap.
        Segment s = sackingAck(0xffffffffL, 0xfffffffeL, 0xffffffffL, 100, 200);
        assertEquals(2, s.sackBlocks);
        assertEquals(0xfffffffeL, s.firstSackLeft);
        assertEquals(0, s.payloadLength);
        assertTrue("the second block is above the ACK", s.sacksOutOfOrderData());
    }

    @Test
    public void aDsackAloneReportsNoOutOfOrderData() {
        // A duplicate received (a spurious retransmission): reported below the ACK, nothing held above it.
        assertFalse(sackingAck(5000, 3552, 5000).sacksOutOfOrderData());
        assertFalse("across the wrap", sackingAck(100, 0xfffffff0L, 20).sacksOutOfOrderData());
    }

    @Test
    public void aBlockAboveTheAckIsOutOfOrderData() {
        assertTrue(sackingAck(5000, 6448, 7896).sacksOutOfOrderData());
        assertTrue("across the wrap", sackingAck(0xfffffff0L, 100, 1548).sacksOutOfOrderData());
    }

    @Test
    public void noSackOptionMeansNoFirstBlock() {
        Segment s = Segment.parse(ByteBuffer.wrap(RawTcp.ack(CLIENT, PROXY, 5, 6, 80, 1, 2, 0)), 0);
        assertEquals(0, s.sackBlocks);
        assertEquals(-1, s.firstSackLeft);
    }

    /** An ACK from the client with NOP NOP SACK{edges, in pairs}. */
    private static Segment sackingAck(long ack, long... edges) {
        byte[] bare = RawTcp.ack(CLIENT, PROXY, 5, ack, 80, -1, 0, 0);
        int option = 2 + 2 + 4 * edges.length;
        ByteBuffer p = ByteBuffer.allocate(bare.length + option);
        p.put(bare, 0, 40);
        p.put((byte) 1).put((byte) 1).put((byte) 5).put((byte) (2 + 4 * edges.length));
        for (long edge : edges) {
            p.putInt((int) edge);
        }
        p.putShort(2, (short) p.capacity());
        p.put(32, (byte) ((20 + option) / 4 << 4));
        return Segment.parse(ByteBuffer.wrap(p.array()), 0);
    }

    private static long pseudoHeaderSum(byte[] p) {
        long s = 0;
        for (int i = 12; i < 20; i += 2) {
            s += (p[i] & 0xff) << 8 | p[i + 1] & 0xff;
        }
        return s + 6 + p.length - 20;
    }
}
