package org.tcpbypass.pipeconf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Ethernet/IPv4/TCP frames for the BMv2 tests, with checksums computed here (independently of the switch),
 * and readers for the fields the tests check.
 */
public final class TcpFrame {

    public static final int ETH_LEN = 14;
    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int URG = 0x20;

    public long ethDst = 0x020000000000L;
    public long ethSrc = 0x020000000001L;
    /** 802.1Q tag control information, or -1 for an untagged frame. */
    public int vlanTci = -1;
    /** DSCP and ECN. */
    public int tos;
    public int ipId;
    /** IPv4 flags and fragment offset: DF by default, as Linux TCP sends. */
    public int ipFlagsFragment = 0x4000;
    public int ttl = 64;
    public byte[] ipOptions = new byte[0];
    public int ipSrc;
    public int ipDst;
    public int srcPort;
    public int dstPort;
    public long seq;
    public long ack;
    public int flags = ACK;
    public int window;
    public int urgentPointer;
    public Options options = new Options();
    public byte[] payload = new byte[0];
    /** Added to the correct TCP checksum, to build a segment that arrives corrupted. */
    public int checksumError;

    public TcpFrame copy() {
        TcpFrame f = new TcpFrame();
        f.ethDst = ethDst;
        f.ethSrc = ethSrc;
        f.vlanTci = vlanTci;
        f.tos = tos;
        f.ipId = ipId;
        f.ipFlagsFragment = ipFlagsFragment;
        f.ttl = ttl;
        f.ipOptions = ipOptions.clone();
        f.ipSrc = ipSrc;
        f.ipDst = ipDst;
        f.srcPort = srcPort;
        f.dstPort = dstPort;
        f.seq = seq;
        f.ack = ack;
        f.flags = flags;
        f.window = window;
        f.urgentPointer = urgentPointer;
        f.options = options.copy();
        f.payload = payload.clone();
        f.checksumError = checksumError;
        return f;
    }

    public byte[] build() {
        byte[] opts = options.bytes();
        if (opts.length % 4 != 0 || opts.length > 40 || ipOptions.length % 4 != 0) {
            throw new IllegalStateException("options must fill whole 32-bit words");
        }
        int ipHeaderLen = 20 + ipOptions.length;
        int tcpLen = 20 + opts.length + payload.length;
        ByteBuffer b = ByteBuffer.allocate(ETH_LEN + ipHeaderLen + tcpLen);
        b.putShort((short) (ethDst >>> 32)).putInt((int) ethDst);
        b.putShort((short) (ethSrc >>> 32)).putInt((int) ethSrc);
        b.putShort((short) 0x0800);
        int ip = b.position();
        b.put((byte) (0x40 | ipHeaderLen / 4)).put((byte) tos).putShort((short) (ipHeaderLen + tcpLen));
        b.putShort((short) ipId).putShort((short) ipFlagsFragment).put((byte) ttl).put((byte) 6).putShort((short) 0);
        b.putInt(ipSrc).putInt(ipDst).put(ipOptions);
        int tcp = b.position();
        b.putShort((short) srcPort).putShort((short) dstPort).putInt((int) seq).putInt((int) ack);
        b.put((byte) ((20 + opts.length) / 4 << 4)).put((byte) flags).putShort((short) window);
        b.putShort((short) 0).putShort((short) urgentPointer).put(opts).put(payload);
        byte[] frame = b.array();
        putU16(frame, ip + 10, ~sum(frame, ip, ipHeaderLen, 0) & 0xffff);
        putU16(frame, tcp + 16, (~tcpSum(frame) + checksumError) & 0xffff);
        if (vlanTci < 0) {
            return frame;
        }
        byte[] tagged = new byte[frame.length + 4];
        System.arraycopy(frame, 0, tagged, 0, 12);
        putU16(tagged, 12, 0x8100);
        putU16(tagged, 14, vlanTci);
        System.arraycopy(frame, 12, tagged, 16, frame.length - 12);
        return tagged;
    }

    // Readers over a built (or switched) frame.

    public static int u8(byte[] f, int offset) {
        return f[offset] & 0xff;
    }

    public static int u16(byte[] f, int offset) {
        return (u8(f, offset) << 8) | u8(f, offset + 1);
    }

    public static long u32(byte[] f, int offset) {
        return ((long) u16(f, offset) << 16) | u16(f, offset + 2);
    }

    public static void putU16(byte[] f, int offset, int value) {
        f[offset] = (byte) (value >>> 8);
        f[offset + 1] = (byte) value;
    }

    public static boolean isIpv4(byte[] f) {
        return f.length >= ETH_LEN + 20 && u16(f, 12) == 0x0800;
    }

    public static int ipId(byte[] f) {
        return u16(f, ETH_LEN + 4);
    }

    public static int tcpOffset(byte[] f) {
        return ETH_LEN + (u8(f, ETH_LEN) & 0x0f) * 4;
    }

    public static boolean ipv4ChecksumValid(byte[] f) {
        return sum(f, ETH_LEN, (u8(f, ETH_LEN) & 0x0f) * 4, 0) == 0xffff;
    }

    public static boolean tcpChecksumValid(byte[] f) {
        return tcpSum(f) == 0xffff;
    }

    // One's complement sum of the pseudo-header and the segment (checksum field included as it is).
    private static int tcpSum(byte[] f) {
        int tcp = tcpOffset(f);
        int tcpLen = u16(f, ETH_LEN + 2) - (tcp - ETH_LEN);
        int pseudo = sum(f, ETH_LEN + 12, 8, 0) + 6 + tcpLen;
        return sum(f, tcp, tcpLen, pseudo);
    }

    private static int sum(byte[] f, int offset, int len, int initial) {
        long s = initial;
        for (int i = 0; i < len; i += 2) {
            int hi = u8(f, offset + i);
            int lo = i + 1 < len ? u8(f, offset + i + 1) : 0;
            s += (hi << 8) | lo;
        }
        while (s >> 16 != 0) {
            s = (s & 0xffff) + (s >> 16);
        }
        return (int) s;
    }

    public static int ipv4(String dotted) {
        String[] parts = dotted.split("\\.");
        int value = 0;
        for (String part : parts) {
            value = (value << 8) | Integer.parseInt(part);
        }
        return value;
    }

    public static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /** TCP options in the order added; {@link #offset(int)} gives where the n-th added option starts. */
    public static final class Options {
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        private final java.util.List<Integer> starts = new java.util.ArrayList<>();

        public Options copy() {
            Options o = new Options();
            o.bytes.writeBytes(bytes.toByteArray());
            o.starts.addAll(starts);
            return o;
        }

        public byte[] bytes() {
            return bytes.toByteArray();
        }

        public int offset(int index) {
            return starts.get(index);
        }

        public Options raw(int... values) {
            starts.add(bytes.size());
            for (int v : values) {
                bytes.write(v);
            }
            return this;
        }

        public Options eol() {
            return raw(0);
        }

        public Options nop() {
            return raw(1);
        }

        public Options mss(int mss) {
            return raw(2, 4, mss >>> 8, mss & 0xff);
        }

        public Options ws(int shift) {
            return raw(3, 3, shift);
        }

        public Options sackPermitted() {
            return raw(4, 2);
        }

        public Options sack(long... edges) {
            starts.add(bytes.size());
            bytes.write(5);
            bytes.write(2 + 4 * edges.length);
            for (long edge : edges) {
                writeU32(edge);
            }
            return this;
        }

        public Options ts(long tsval, long tsecr) {
            starts.add(bytes.size());
            bytes.write(8);
            bytes.write(10);
            writeU32(tsval);
            writeU32(tsecr);
            return this;
        }

        private void writeU32(long v) {
            bytes.write((int) (v >>> 24));
            bytes.write((int) (v >>> 16));
            bytes.write((int) (v >>> 8));
            bytes.write((int) v);
        }

        /** Rewrites the 32-bit value at {@code index} bytes into the options. */
        public Options setU32(int index, long v) {
            byte[] b = bytes.toByteArray();
            b[index] = (byte) (v >>> 24);
            b[index + 1] = (byte) (v >>> 16);
            b[index + 2] = (byte) (v >>> 8);
            b[index + 3] = (byte) v;
            bytes.reset();
            bytes.writeBytes(b);
            return this;
        }

        public long u32(int index) {
            return TcpFrame.u32(bytes.toByteArray(), index);
        }
    }
}
