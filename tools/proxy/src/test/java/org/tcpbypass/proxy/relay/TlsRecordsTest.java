package org.tcpbypass.proxy.relay;

import org.junit.Test;

import java.nio.ByteBuffer;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/** Following TLS record boundaries for the tls offload policy. */
public class TlsRecordsTest {
    private static byte[] record(int type, int length) {
        byte[] r = new byte[5 + length];
        r[0] = (byte) type;
        r[1] = 3;
        r[2] = 3;
        r[3] = (byte) (length >> 8);
        r[4] = (byte) length;
        return r;
    }

    private static void feedInPieces(TlsRecords t, byte[] bytes, int piece) {
        for (int i = 0; i < bytes.length; i += piece) {
            t.feed(ByteBuffer.wrap(bytes, i, Math.min(piece, bytes.length - i)));
        }
    }

    @Test
    public void applicationDataAfterHandshakeRecordsIsSeenAcrossReads() {
        TlsRecords t = new TlsRecords();
        feedInPieces(t, record(22, 300), 7);
        feedInPieces(t, record(20, 1), 2);
        assertFalse(t.sawApplicationData());
        // a handshake record whose body contains the byte 23 must not count
        byte[] tricky = record(22, 10);
        tricky[5] = 23;
        tricky[6] = 3;
        feedInPieces(t, tricky, 3);
        assertFalse(t.sawApplicationData());
        feedInPieces(t, record(23, 100), 1);
        assertTrue(t.sawApplicationData());
    }

    @Test
    public void notTlsNeverCounts() {
        TlsRecords t = new TlsRecords();
        t.feed(ByteBuffer.wrap("GET / HTTP/1.1\r\n\r\n".getBytes()));
        t.feed(ByteBuffer.wrap(record(23, 10)));
        assertFalse(t.sawApplicationData());
    }

    @Test
    public void honoursTheBufferWindow() {
        TlsRecords t = new TlsRecords();
        byte[] bytes = new byte[40];
        System.arraycopy(record(23, 0), 0, bytes, 20, 5);
        t.feed(ByteBuffer.wrap(bytes).position(0).limit(20));
        assertFalse(t.sawApplicationData());
    }
}
