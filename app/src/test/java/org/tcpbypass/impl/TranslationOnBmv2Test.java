package org.tcpbypass.impl;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassDirection;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.LegState;
import org.tcpbypass.api.TcpEndpoint;
import org.tcpbypass.pipeconf.Bmv2Tools;
import org.tcpbypass.pipeconf.BypassPipelineConstants;
import org.tcpbypass.pipeconf.TcpFrame;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;
import static org.tcpbypass.api.BypassDirection.TO_CLIENT;
import static org.tcpbypass.api.BypassDirection.TO_SERVER;
import static org.tcpbypass.impl.TestData.CLIENT_AT;
import static org.tcpbypass.impl.TestData.CLIENT_MAC;
import static org.tcpbypass.impl.TestData.DEVICE;
import static org.tcpbypass.impl.TestData.PROXY_MAC;
import static org.tcpbypass.impl.TestData.SERVER_AT;
import static org.tcpbypass.impl.TestData.SERVER_MAC;
import static org.tcpbypass.impl.TestData.TUPLE;
import static org.tcpbypass.pipeconf.TcpFrame.ACK;
import static org.tcpbypass.pipeconf.TcpFrame.FIN;
import static org.tcpbypass.pipeconf.TcpFrame.PSH;
import static org.tcpbypass.pipeconf.TcpFrame.RST;

/**
 * The app's side of the contract with the switch: the entries {@link BypassIntentCompiler} builds from two legs'
 * state run in simple_switch with the committed pipeline (the pipeconf's pcap-mode harness), and every output is
 * compared with the frame {@link BypassTranslation}'s own arithmetic predicts; FIN and RST right after the hand-off
 * are judged by the translation's hand-off window. Skipped when simple_switch is not on PATH.
 */
public class TranslationOnBmv2Test {

    private static final int CPU = (int) BypassPipelineConstants.CPU_PORT;
    private static final int CLIENT_PORT = (int) CLIENT_AT.port().toLong();
    private static final int SERVER_PORT = (int) SERVER_AT.port().toLong();

    // Sequence numbers and clocks near 2^32 on both legs, window scales that differ between the legs.
    private static final LegState CLIENT_LEG = LegState.builder().sndNxt(0xFFFF_FFF0L).rcvNxt(0xFFFF_FF00L)
            .localWindowShift(7).peerWindowShift(9).mss(1460).sackPermitted(true).timestamps(true)
            .tsVal(0xFFFF_FFFEL).peerTsVal(5).build();
    private static final LegState SERVER_LEG = LegState.builder().sndNxt(0x100).rcvNxt(0x10)
            .localWindowShift(8).peerWindowShift(6).mss(1460).sackPermitted(true).timestamps(true)
            .tsVal(3).peerTsVal(0xFFFF_FFF0L).build();
    private static final BypassTranslation T = BypassTranslation.of(CLIENT_LEG, SERVER_LEG);

    private static final Bypass RECORD = Bypass.offloading(BypassId.of(7), "proxy1", DEVICE, TUPLE, T, 1000);
    private static final Map<Integer, TcpFrame> SENT = new LinkedHashMap<>();
    private static Map<Integer, List<byte[]>> outputs;
    private static Path dir;

    @BeforeClass
    public static void runSwitch() throws Exception {
        Bmv2Tools.assumeOnPath("simple_switch", "simple_switch_CLI");
        dir = Files.createTempDirectory("tcp-bypass-app-bmv2");
        Path json = Bmv2Tools.committedJson(dir);

        // Before either endpoint acknowledged anything through the switch: the hand-off window decides.
        long clientEdge = T.handOffSeq(TO_SERVER) + T.maxWindow(TO_SERVER);
        long serverEdge = T.handOffSeq(TO_CLIENT) + T.maxWindow(TO_CLIENT);
        send(1, client(clientEdge + 1, 0, RST, 0, new TcpFrame.Options(), 0));
        send(2, client(clientEdge, 0, RST, 0, new TcpFrame.Options(), 0));
        send(3, server(T.handOffSeq(TO_CLIENT) - 1, SERVER_LEG.sndNxt(), RST | ACK, 0, new TcpFrame.Options(), 0));
        send(4, server(serverEdge, SERVER_LEG.sndNxt(), FIN | ACK, 100,
                       new TcpFrame.Options().nop().nop().ts(0xFFFF_FFF1L, SERVER_LEG.tsVal()), 0));
        // Data both ways at the hand-off point and past the wrap, with timestamps, SACK and rescaled windows.
        send(5, client(CLIENT_LEG.rcvNxt(), CLIENT_LEG.sndNxt(), ACK | PSH, 1000,
                       new TcpFrame.Options().nop().nop().ts(6, CLIENT_LEG.tsVal()), 100));
        send(6, client(CLIENT_LEG.rcvNxt() + 0x100, CLIENT_LEG.sndNxt() + 0x20, ACK, 65535,
                       new TcpFrame.Options().nop().nop().ts(7, CLIENT_LEG.tsVal() + 1).nop().nop()
                               .sack(CLIENT_LEG.sndNxt() + 0x40, CLIENT_LEG.sndNxt() + 0x80), 0));
        send(7, server(SERVER_LEG.rcvNxt(), SERVER_LEG.sndNxt() + 0x100, ACK | PSH, 30000,
                       new TcpFrame.Options().nop().nop().ts(0xFFFF_FFF2L, SERVER_LEG.tsVal()), 200));

        List<Map.Entry<Integer, byte[]>> sequence = new ArrayList<>();
        SENT.forEach((id, f) -> sequence.add(Map.entry(f.ipSrc == TUPLE.client().ip().toInt() ? CLIENT_PORT
                : SERVER_PORT, f.build())));
        // Then the app's keepalive probes of both endpoints, sent through the pipeline (packet_out header: egress
        // port 0, through_pipeline 1).
        for (BypassDirection d : BypassDirection.values()) {
            byte[] probe = KeepaliveProbe.frame(RECORD, d);
            byte[] out = new byte[probe.length + 2];
            out[1] = 0x40;
            System.arraycopy(probe, 0, out, 2, probe.length);
            sequence.add(Map.entry(CPU, out));
        }
        try (Bmv2Tools.PcapSwitch sw = Bmv2Tools.PcapSwitch.sequenced(
                json, dir, sequence, List.of(CLIENT_PORT, SERVER_PORT, CPU), 20, 6)) {
            sw.cli(Bmv2Entries.cli(List.of(RECORD), CLIENT_AT, SERVER_AT, PROXY_MAC) + "mirroring_add "
                           + BypassPipelineConstants.CPU_CLONE_SESSION_ID + " " + CPU + "\n");
            sw.checkStillWaiting();
            outputs = sw.awaitOutputs(Map.of(SERVER_PORT, 5, CLIENT_PORT, 4, CPU, 2), Duration.ofSeconds(30));
        }
    }

    @AfterClass
    public static void removeFiles() throws IOException {
        Bmv2Tools.deleteTree(dir);
    }

    @Test
    public void segmentsLeaveAsTheTranslationSays() {
        for (int id : new int[] {1, 2, 5, 6}) {
            assertTranslated(id, TO_SERVER);
        }
        for (int id : new int[] {3, 4, 7}) {
            assertTranslated(id, TO_CLIENT);
        }
    }

    @Test
    public void closeInsideTheHandOffWindowIsCopiedAndBeyondItIsNot() {
        assertThat(copiesOf(1), is(0));
        assertThat(copiesOf(2), is(1));
        assertThat(copiesOf(3), is(0));
        assertThat(copiesOf(4), is(1));
    }

    @Test
    public void probesLeaveAsKeepalivesOneBelowTheLastAckOfTheirReceiver() {
        // The last ACKs the switch recorded: the client's of segment 6 and the server's of segment 4 (segment 7 lies
        // below what the client had acknowledged by then, so the switch records nothing from it).
        assertProbe(TO_CLIENT, CLIENT_LEG.sndNxt() + 0x20, SERVER_LEG.sndNxt());
        assertProbe(TO_SERVER, SERVER_LEG.sndNxt(), CLIENT_LEG.sndNxt() + 0x20);
    }

    // The probe of d's receiver: as d's entry translates it, SEQ one below the receiver's last ACK and ACK the
    // sender's last ACK as the translation maps it, window 0, checksums right.
    private static void assertProbe(BypassDirection d, long receiverAck, long senderAck) {
        int port = d == TO_SERVER ? SERVER_PORT : CLIENT_PORT;
        List<byte[]> probes = outputs.get(port).stream()
                .filter(f -> TcpFrame.isIpv4(f) && TcpFrame.ipId(f) == 0).collect(Collectors.toList());
        assertEquals("probe on port " + port, 1, probes.size());
        byte[] out = probes.get(0);
        assertTrue(TcpFrame.ipv4ChecksumValid(out));
        assertTrue(TcpFrame.tcpChecksumValid(out));
        TcpFrame expected = new TcpFrame();
        boolean toServer = d == TO_SERVER;
        TcpEndpoint src = toServer ? TUPLE.proxy() : TUPLE.vip();
        TcpEndpoint dst = toServer ? TUPLE.server() : TUPLE.client();
        expected.ethSrc = PROXY_MAC.toLong();
        expected.ethDst = (toServer ? SERVER_MAC : CLIENT_MAC).toLong();
        expected.ipSrc = src.ip().toInt();
        expected.ipDst = dst.ip().toInt();
        expected.srcPort = src.port();
        expected.dstPort = dst.port();
        expected.ipId = 0;
        expected.ipFlagsFragment = 0;
        expected.seq = T.mapSeq(d, T.mapAck(BypassTranslation.opposite(d), receiverAck)) - 1 & LegState.MAX_U32;
        expected.ack = T.mapAck(d, senderAck);
        expected.flags = ACK;
        expected.window = 0;
        expected.options = new TcpFrame.Options();
        expected.payload = new byte[0];
        assertArrayEquals("probe of the " + (toServer ? "server" : "client"), expected.build(), out);
    }

    @Test
    public void nothingElseLeaves() {
        assertEquals(5, outputs.get(SERVER_PORT).size());
        assertEquals(4, outputs.get(CLIENT_PORT).size());
        assertEquals(2, outputs.get(CPU).size());
    }

    private static void assertTranslated(int id, BypassDirection d) {
        int port = d == TO_SERVER ? SERVER_PORT : CLIENT_PORT;
        List<byte[]> frames = outputs.get(port).stream()
                .filter(f -> TcpFrame.isIpv4(f) && TcpFrame.ipId(f) == id).collect(Collectors.toList());
        assertEquals("segment " + id + " on port " + port, 1, frames.size());
        assertArrayEquals("segment " + id, expected(SENT.get(id), d).build(), frames.get(0));
    }

    private static int copiesOf(int id) {
        return (int) outputs.get(CPU).stream()
                .filter(f -> f.length > 2 + 20 && TcpFrame.u16(f, 2 + 12) == 0x0800
                        && TcpFrame.u16(f, 2 + 14 + 4) == id)
                .count();
    }

    /** What the receiver must get, by BypassTranslation's arithmetic and the tuple's addresses. */
    private static TcpFrame expected(TcpFrame in, BypassDirection d) {
        TcpFrame out = in.copy();
        boolean toServer = d == TO_SERVER;
        TcpEndpoint src = toServer ? TUPLE.proxy() : TUPLE.vip();
        TcpEndpoint dst = toServer ? TUPLE.server() : TUPLE.client();
        out.ethSrc = PROXY_MAC.toLong();
        out.ethDst = (toServer ? SERVER_MAC : CLIENT_MAC).toLong();
        out.ipSrc = src.ip().toInt();
        out.ipDst = dst.ip().toInt();
        out.srcPort = src.port();
        out.dstPort = dst.port();
        out.seq = T.mapSeq(d, in.seq);
        boolean ack = (in.flags & ACK) != 0;
        if (ack) {
            out.ack = T.mapAck(d, in.ack);
        }
        out.window = T.mapWindow(d, in.window);
        byte[] options = in.options.bytes();
        for (int i = 0; i < options.length && options[i] != 0;) {
            int kind = options[i] & 0xff;
            int len = kind == 1 ? 1 : options[i + 1] & 0xff;
            if (kind == 5) {
                for (int edge = i + 2; edge < i + len; edge += 4) {
                    out.options.setU32(edge, T.mapAck(d, in.options.u32(edge)));
                }
            } else if (kind == 8) {
                out.options.setU32(i + 2, T.mapTsVal(d, in.options.u32(i + 2)));
                if (ack) {
                    out.options.setU32(i + 6, T.mapTsEcr(d, in.options.u32(i + 6)));
                }
            }
            i += len;
        }
        return out;
    }

    private static void send(int id, TcpFrame frame) {
        frame.ipId = id;
        SENT.put(id, frame);
    }

    private static TcpFrame client(long seq, long ack, int flags, int window, TcpFrame.Options options,
                                   int payload) {
        return segment(TUPLE.client(), TUPLE.vip(), CLIENT_MAC.toLong(), seq, ack, flags, window, options, payload);
    }

    private static TcpFrame server(long seq, long ack, int flags, int window, TcpFrame.Options options,
                                   int payload) {
        return segment(TUPLE.server(), TUPLE.proxy(), SERVER_MAC.toLong(), seq, ack, flags, window, options,
                       payload);
    }

    private static TcpFrame segment(TcpEndpoint src, TcpEndpoint dst, long ethSrc, long seq, long ack, int flags,
                                    int window, TcpFrame.Options options, int payload) {
        TcpFrame f = new TcpFrame();
        f.ethSrc = ethSrc;
        f.ethDst = PROXY_MAC.toLong();
        f.ipSrc = src.ip().toInt();
        f.ipDst = dst.ip().toInt();
        f.srcPort = src.port();
        f.dstPort = dst.port();
        f.seq = seq & LegState.MAX_U32;
        f.ack = ack & LegState.MAX_U32;
        f.flags = flags;
        f.window = window;
        f.options = options;
        f.payload = new byte[payload];
        Arrays.fill(f.payload, (byte) 'x');
        return f;
    }
}
