package org.tcpbypass.proxy.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One NETLINK_NETFILTER socket: nf_tables set-element batches and conntrack deletions as netlink messages, so a
 * hand-off changes the packet filter without spawning a process. Calls are serialized; each waits for the
 * kernel's acknowledgement and throws with its errno.
 */
public final class Netlink implements Closeable {
    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int NETLINK_NETFILTER = 12;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVTIMEO = 20;
    private static final int NLMSG_ERROR = 2;
    private static final int NLM_F_REQUEST = 0x1;
    private static final int NLM_F_ACK = 0x4;
    private static final int NLM_F_CREATE = 0x400;
    private static final int NLM_F_APPEND = 0x800;
    private static final int NLA_F_NESTED = 0x8000;
    private static final int NFQ_FLAG_BYPASS = 1;
    private static final int NFNL_MSG_BATCH_BEGIN = 0x10;
    private static final int NFNL_MSG_BATCH_END = 0x11;
    private static final int NFNL_SUBSYS_CTNETLINK = 1;
    private static final int NFNL_SUBSYS_NFTABLES = 10;
    private static final int NFT_MSG_NEWRULE = 6;
    private static final int NFT_MSG_NEWSETELEM = 12;
    private static final int NFT_MSG_DELSETELEM = 14;
    /** Linux 6.3 and later: deletes the elements that are there, a missing one is no error. */
    private static final int NFT_MSG_DESTROYSETELEM = 30;
    private static final int IPCTNL_MSG_CT_DELETE = 2;
    private static final int NFPROTO_INET = 1;
    private static final int NFPROTO_IPV4 = 2;
    /** errno of a missing element or entry. */
    public static final int ENOENT = 2;
    /** errno of a message the kernel does not know (e.g. a destroy before Linux 6.3). */
    public static final int EINVAL = 22;
    private static final int BUFFER = 64 * 1024;

    private final int fd;
    private final Memory out = new Memory(BUFFER);
    private final Memory in = new Memory(BUFFER);
    private int seq;
    private long refused;

    /** Opens the socket (needs CAP_NET_ADMIN for anything it sends). */
    public Netlink() throws IOException {
        try {
            fd = LibC.INSTANCE.socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
        } catch (LastErrorException e) {
            throw new IOException("cannot open a netfilter netlink socket: errno " + e.getErrorCode(), e);
        }
        Memory nl = new Memory(12);
        nl.clear();
        nl.setShort(0, (short) AF_NETLINK);
        Memory tv = new Memory(16);
        tv.setLong(0, 5);
        tv.setLong(8, 0);
        try {
            LibC.INSTANCE.bind(fd, nl, 12);
            LibC.INSTANCE.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16);
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(fd);
            throw new IOException("cannot bind the netfilter netlink socket: errno " + e.getErrorCode(), e);
        }
    }

    /** One change of one nf_tables set: elements added (with an optional timeout), deleted or destroyed. */
    public static final class SetChange {
        final String set;
        final int message;
        final long timeoutMillis;
        final List<byte[]> keys;

        private SetChange(String set, int message, long timeoutMillis, List<byte[]> keys) {
            this.set = set;
            this.message = message;
            this.timeoutMillis = timeoutMillis;
            this.keys = keys;
        }

        /** Adds {@code keys} to {@code set}; {@code timeoutMillis} 0 means none. */
        public static SetChange add(String set, long timeoutMillis, List<byte[]> keys) {
            return new SetChange(set, NFT_MSG_NEWSETELEM, timeoutMillis, keys);
        }

        /** Deletes {@code keys} from {@code set}; a missing one refuses the transaction (ENOENT). */
        public static SetChange delete(String set, List<byte[]> keys) {
            return new SetChange(set, NFT_MSG_DELSETELEM, 0, keys);
        }

        /**
         * Deletes those of {@code keys} that are in {@code set}, a missing one is skipped (Linux 6.3 and later;
         * an older kernel refuses the transaction with EINVAL).
         */
        public static SetChange destroy(String set, List<byte[]> keys) {
            return new SetChange(set, NFT_MSG_DESTROYSETELEM, 0, keys);
        }
    }

    /**
     * Applies set changes to table {@code inet <table>} in one transaction: all or none.
     *
     * @throws IOException naming the kernel's errno when any change is refused (then nothing changed)
     */
    public void apply(String table, List<SetChange> changes) throws IOException {
        apply(NFPROTO_INET, table, changes);
    }

    /** {@link #apply(String, List)} to a table of family {@code ip} (IPv4 only). */
    public void applyIpv4(String table, List<SetChange> changes) throws IOException {
        apply(NFPROTO_IPV4, table, changes);
    }

    private synchronized void apply(int family, String table, List<SetChange> changes) throws IOException {
        ByteBuffer b = buffer();
        int first = seq + 1;
        header(b, NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, 0, NFNL_SUBSYS_NFTABLES);
        end(b, 0);
        for (SetChange c : changes) {
            int start = b.position();
            boolean add = c.message == NFT_MSG_NEWSETELEM;
            header(b, NFNL_SUBSYS_NFTABLES << 8 | c.message, NLM_F_REQUEST | NLM_F_ACK | (add ? NLM_F_CREATE : 0),
                   family, 0);
            string(b, 1, table);
            string(b, 2, c.set);
            int list = nest(b, 3);
            for (byte[] key : c.keys) {
                int elem = nest(b, 1);
                int k = nest(b, 1);
                bytes(b, 1, key);
                close(b, k);
                if (c.timeoutMillis > 0) {
                    attribute(b, 4, 8);
                    b.order(ByteOrder.BIG_ENDIAN).putLong(c.timeoutMillis).order(ByteOrder.nativeOrder());
                }
                close(b, elem);
            }
            close(b, list);
            end(b, start);
        }
        int batchEnd = b.position();
        header(b, NFNL_MSG_BATCH_END, NLM_F_REQUEST, 0, NFNL_SUBSYS_NFTABLES);
        end(b, batchEnd);
        try {
            exchange(b, first + 1, seq - 1, "nf_tables set change in table " + table);
        } catch (NetlinkException e) {
            refused++;
            throw e;
        }
    }

    /**
     * nf_tables transactions the kernel refused so far. Each is expensive beyond its own call: the kernel aborts it
     * with an RCU grace period while holding the namespace's nf_tables mutex, which every other hand-off's change
     * waits on (11-15 ms on an idle machine here, 2026-12-03; a delete that succeeds took 0.1 ms).
     */
    public synchronized long refusedTransactions() {
        return refused;
    }

    /**
     * Appends to chain {@code ip <table> <chain>} a rule whose only expression is the xtables target NFQUEUE
     * (revision 3, through nft_compat: the nft {@code queue} statement is not built into every kernel) sending
     * packets to queue {@code queue}, accepted unchanged while no program listens on it.
     */
    public synchronized void appendQueueRule(String table, String chain, int queue) throws IOException {
        ByteBuffer b = buffer();
        int first = seq + 1;
        header(b, NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, 0, NFNL_SUBSYS_NFTABLES);
        end(b, 0);
        int start = b.position();
        header(b, NFNL_SUBSYS_NFTABLES << 8 | NFT_MSG_NEWRULE,
               NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_APPEND, NFPROTO_IPV4, 0);
        string(b, 1, table);
        string(b, 2, chain);
        int expressions = nest(b, 4);
        int element = nest(b, 1);
        string(b, 1, "target");
        int data = nest(b, 2);
        string(b, 1, "NFQUEUE");
        bytes(b, 2, new byte[] {0, 0, 0, 3});
        // struct xt_NFQ_info_v3 {u16 queuenum, queues_total, flags} in host order, padded to 8 (XT_ALIGN).
        ByteBuffer info = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
        info.putShort((short) queue).putShort((short) 1).putShort((short) NFQ_FLAG_BYPASS);
        bytes(b, 3, info.array());
        close(b, data);
        close(b, element);
        close(b, expressions);
        end(b, start);
        int batchEnd = b.position();
        header(b, NFNL_MSG_BATCH_END, NLM_F_REQUEST, 0, NFNL_SUBSYS_NFTABLES);
        end(b, batchEnd);
        exchange(b, first + 1, seq - 1, "NFQUEUE rule in chain " + chain + " of table ip " + table);
    }

    /**
     * Deletes the conntrack entry of one IPv4 TCP connection, given as the tuple of its original direction.
     *
     * @return whether there was one
     */
    public synchronized boolean deleteConntrack(byte[] source, int sourcePort, byte[] destination,
                                                int destinationPort) throws IOException {
        ByteBuffer b = buffer();
        header(b, NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_DELETE, NLM_F_REQUEST | NLM_F_ACK, NFPROTO_IPV4, 0);
        int tuple = nest(b, 1);
        int ip = nest(b, 1);
        bytes(b, 1, source);
        bytes(b, 2, destination);
        close(b, ip);
        int proto = nest(b, 2);
        bytes(b, 1, new byte[] {6});
        bytes(b, 2, port(sourcePort));
        bytes(b, 3, port(destinationPort));
        close(b, proto);
        close(b, tuple);
        end(b, 0);
        try {
            exchange(b, seq, seq, "conntrack delete");
            return true;
        } catch (NetlinkException e) {
            if (e.errno == ENOENT) {
                return false;
            }
            throw e;
        }
    }

    /** A request the kernel refused. */
    public static final class NetlinkException extends IOException {
        private static final long serialVersionUID = 1L;
        /** The kernel's errno. */
        public final int errno;

        NetlinkException(String what, int errno) {
            super(what + " refused by the kernel: errno " + errno);
            this.errno = errno;
        }
    }

    private ByteBuffer buffer() {
        return out.getByteBuffer(0, BUFFER).order(ByteOrder.nativeOrder());
    }

    /** Sends what {@code b} holds, then reads acknowledgements until sequence {@code last} is acknowledged. */
    private void exchange(ByteBuffer b, int firstAcked, int last, String what) throws IOException {
        try {
            LibC.INSTANCE.send(fd, out, b.position(), 0);
        } catch (LastErrorException e) {
            throw new IOException(what + ": netlink send failed: errno " + e.getErrorCode(), e);
        }
        int error = 0;
        while (true) {
            long n;
            try {
                n = LibC.INSTANCE.recv(fd, in, BUFFER, 0);
            } catch (LastErrorException e) {
                throw new IOException(what + ": no answer from the kernel: errno " + e.getErrorCode(), e);
            }
            ByteBuffer r = in.getByteBuffer(0, n).order(ByteOrder.nativeOrder());
            while (r.remaining() >= 16) {
                int start = r.position();
                int length = r.getInt(start);
                int type = r.getShort(start + 4) & 0xffff;
                int msgSeq = r.getInt(start + 8);
                if (type == NLMSG_ERROR && msgSeq >= firstAcked && msgSeq <= last) {
                    int code = -r.getInt(start + 16);
                    if (code != 0 && error == 0) {
                        error = code;
                    }
                    if (msgSeq == last) {
                        if (error != 0) {
                            throw new NetlinkException(what, error);
                        }
                        return;
                    }
                }
                if (length < 16) {
                    break;
                }
                r.position(Math.min(r.limit(), start + (length + 3 & ~3)));
            }
        }
    }

    private void header(ByteBuffer b, int type, int flags, int family, int resId) {
        header(b, type, flags, ++seq, family, resId);
    }

    /** A netlink header and the netfilter header after it; {@link #end} writes the length. */
    static void header(ByteBuffer b, int type, int flags, int seq, int family, int resId) {
        b.putInt(0);
        b.putShort((short) type);
        b.putShort((short) flags);
        b.putInt(seq);
        b.putInt(0);
        b.put((byte) family);
        b.put((byte) 0);
        b.order(ByteOrder.BIG_ENDIAN).putShort((short) resId).order(ByteOrder.nativeOrder());
    }

    /** Writes the length of the message that started at {@code start}. */
    static void end(ByteBuffer b, int start) {
        b.putInt(start, b.position() - start);
    }

    static void attribute(ByteBuffer b, int type, int length) {
        b.putShort((short) (4 + length));
        b.putShort((short) type);
    }

    static void bytes(ByteBuffer b, int type, byte[] value) {
        attribute(b, type, value.length);
        b.put(value);
        pad(b);
    }

    static void string(ByteBuffer b, int type, String value) {
        byte[] s = value.getBytes(StandardCharsets.US_ASCII);
        byte[] z = new byte[s.length + 1];
        System.arraycopy(s, 0, z, 0, s.length);
        bytes(b, type, z);
    }

    static int nest(ByteBuffer b, int type) {
        int start = b.position();
        b.putShort((short) 0);
        b.putShort((short) (type | NLA_F_NESTED));
        return start;
    }

    static void close(ByteBuffer b, int start) {
        b.putShort(start, (short) (b.position() - start));
    }

    static void pad(ByteBuffer b) {
        while ((b.position() & 3) != 0) {
            b.put((byte) 0);
        }
    }

    private static byte[] port(int port) {
        return new byte[] {(byte) (port >>> 8), (byte) port};
    }

    /**
     * The key of an nft concatenation {@code ipv4_addr . inet_service . ipv4_addr . inet_service}: each field
     * takes a 4-byte register, a port its first two bytes.
     */
    public static byte[] flowKey(byte[] source, int sourcePort, byte[] destination, int destinationPort) {
        ByteBuffer k = ByteBuffer.allocate(16);
        k.put(source).putShort((short) sourcePort).putShort((short) 0);
        k.put(destination).putShort((short) destinationPort).putShort((short) 0);
        return k.array();
    }

    /** {@link #flowKey(byte[], int, byte[], int)} of the segments {@code from -> to}. */
    static byte[] flowKey(InetSocketAddress from, InetSocketAddress to) {
        return flowKey(Segment.ipv4Bytes(from), from.getPort(), Segment.ipv4Bytes(to), to.getPort());
    }

    @Override
    public void close() {
        LibC.INSTANCE.close(fd);
    }
}
