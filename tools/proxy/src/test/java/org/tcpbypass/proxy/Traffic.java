package org.tcpbypass.proxy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Test traffic through the proxy: the client sends a header (bytes wanted back, seed), then its own seeded
 * bytes, then half-closes; the server sends the wanted seeded bytes while reading, and after the client's FIN
 * the SHA-256 of what it received, then closes. Both ends can pace themselves and record their largest gap
 * between reads (the stall a hand-off causes).
 */
final class Traffic {
    static final int CHUNK = 16384;

    private Traffic() {
    }

    /** Deterministic bytes: chunk i of a seed is always the same. */
    static byte[] chunk(long seed, long index, int length) {
        byte[] b = new byte[CHUNK];
        new SplittableRandom(seed * 1_000_003L + index).nextBytes(b);
        return length == CHUNK ? b : Arrays.copyOf(b, length);
    }

    static byte[] digest(long seed, long length) {
        MessageDigest d = sha256();
        for (long i = 0, left = length; left > 0; i++, left -= CHUNK) {
            d.update(chunk(seed, i, (int) Math.min(CHUNK, left)));
        }
        return d.digest();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static void send(OutputStream out, long seed, long length, long pauseMicros) throws IOException {
        for (long i = 0, left = length; left > 0; i++, left -= CHUNK) {
            out.write(chunk(seed, i, (int) Math.min(CHUNK, left)));
            if (pauseMicros > 0) {
                try {
                    TimeUnit.MICROSECONDS.sleep(pauseMicros);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException(e);
                }
            }
        }
        out.flush();
    }

    /** Reads {@code length} bytes (or to EOF when negative) into {@code d}; returns bytes read and the gap. */
    static long[] receive(InputStream in, MessageDigest d, long length) throws IOException {
        byte[] buf = new byte[65536];
        long total = 0;
        long last = System.nanoTime();
        long gap = 0;
        while (length < 0 || total < length) {
            int n = in.read(buf, 0, length < 0 ? buf.length : (int) Math.min(buf.length, length - total));
            if (n < 0) {
                break;
            }
            long now = System.nanoTime();
            if (total > 0) {
                gap = Math.max(gap, now - last);
            }
            last = now;
            d.update(buf, 0, n);
            total += n;
        }
        return new long[] {total, gap};
    }

    /** The server side; serves connections until the socket closes. Records each connection's gap. */
    static final class Server implements AutoCloseable {
        final ServerSocket socket;
        final java.util.List<Long> gaps = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        final java.util.List<Throwable> errors = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        private final ExecutorService pool;
        private final long pauseMicros;

        Server(ExecutorService pool, InetSocketAddress at, long pauseMicros) throws Exception {
            this.pool = pool;
            this.pauseMicros = pauseMicros;
            this.socket = pool.submit(() -> {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(at, 1024);
                return s;
            }).get();
            pool.submit(this::acceptLoop);
        }

        private Void acceptLoop() {
            while (!socket.isClosed()) {
                try {
                    Socket c = socket.accept();
                    pool.submit(() -> serve(c));
                } catch (IOException e) {
                    return null;
                }
            }
            return null;
        }

        private Void serve(Socket c) {
            try (Socket s = c) {
                s.setSoTimeout(60000);
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                ByteBuffer header = ByteBuffer.wrap(in.readNBytes(16));
                long wanted = header.getLong();
                long seed = header.getLong();
                Future<?> writer = pool.submit(() -> {
                    send(out, seed + 1, wanted, pauseMicros);
                    return null;
                });
                MessageDigest d = sha256();
                long[] got = receive(in, d, -1);
                writer.get(60, TimeUnit.SECONDS);
                gaps.add(got[1]);
                out.write(d.digest());
                out.flush();
            } catch (Exception e) {
                errors.add(e);
            }
            return null;
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** One client connection's outcome. */
    static final class Result {
        boolean downloadIntact;
        boolean uploadIntact;
        long downloadGapNanos;
        long downloaded;
    }

    /**
     * Runs one client: uploads {@code up} bytes, downloads {@code down} bytes, checks both hashes. Must run on a
     * thread in the client's namespace.
     */
    static Result client(ExecutorService pool, InetSocketAddress to, long seed, long up, long down,
                         long pauseMicros) throws Exception {
        try (Socket s = new Socket()) {
            s.setSoTimeout(60000);
            s.connect(to, 10000);
            OutputStream out = s.getOutputStream();
            out.write(ByteBuffer.allocate(16).putLong(down).putLong(seed).array());
            Future<?> writer = pool.submit(() -> {
                send(out, seed, up, pauseMicros);
                s.shutdownOutput();
                return null;
            });
            InputStream in = s.getInputStream();
            MessageDigest d = sha256();
            long[] got = receive(in, d, down);
            Result r = new Result();
            r.downloaded = got[0];
            r.downloadGapNanos = got[1];
            r.downloadIntact = got[0] == down && Arrays.equals(d.digest(), digest(seed + 1, down));
            writer.get(60, TimeUnit.SECONDS);
            byte[] uploadDigest = in.readNBytes(32);
            r.uploadIntact = Arrays.equals(uploadDigest, digest(seed, up)) && in.read() == -1;
            return r;
        }
    }
}
