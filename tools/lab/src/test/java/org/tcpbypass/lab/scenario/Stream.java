package org.tcpbypass.lab.scenario;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Random;
import java.util.function.LongConsumer;

/**
 * Sends or receives a seeded pseudo-random byte stream and hashes it on the way (SHA-256), so 100 MB need
 * no 100 MB buffers and both ends can compare hashes.
 */
final class Stream {

    private static final int CHUNK = 64 * 1024;

    private Stream() {
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes {@code bytes} seeded bytes, then half-closes.
     *
     * @return SHA-256 of what was written
     */
    static byte[] send(SocketChannel ch, long bytes, long seed, LongConsumer progress) throws IOException {
        Random r = new Random(seed);
        MessageDigest md = sha256();
        byte[] chunk = new byte[CHUNK];
        long sent = 0;
        while (sent < bytes) {
            int n = (int) Math.min(CHUNK, bytes - sent);
            r.nextBytes(chunk);
            md.update(chunk, 0, n);
            ByteBuffer b = ByteBuffer.wrap(chunk, 0, n);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            sent += n;
            progress.accept(sent);
        }
        ch.shutdownOutput();
        return md.digest();
    }

    /**
     * Reads until end of stream.
     *
     * @return {SHA-256, byte count as 8 bytes}
     */
    static Received receive(SocketChannel ch, LongConsumer progress) throws IOException {
        MessageDigest md = sha256();
        ByteBuffer b = ByteBuffer.allocate(CHUNK);
        long total = 0;
        int n;
        while ((n = ch.read(b)) >= 0) {
            b.flip();
            md.update(b);
            b.clear();
            total += n;
            progress.accept(total);
        }
        return new Received(md.digest(), total);
    }

    static final class Received {
        final byte[] sha256;
        final long bytes;

        Received(byte[] sha256, long bytes) {
            this.sha256 = sha256;
            this.bytes = bytes;
        }
    }
}
