package org.tcpbypass.impl;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.onlab.packet.Ip4Address;
import org.onlab.packet.MacAddress;
import org.onosproject.net.PortNumber;
import org.tcpbypass.api.Attachment;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassDirection;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.ConnectionTuple;
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
import java.util.Set;
import java.util.stream.Collectors;

import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertArrayEquals;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;
import static org.tcpbypass.impl.TestData.DEVICE;
import static org.tcpbypass.pipeconf.TcpFrame.ACK;
import static org.tcpbypass.pipeconf.TcpFrame.FIN;
import static org.tcpbypass.pipeconf.TcpFrame.PSH;
import static org.tcpbypass.pipeconf.TcpFrame.RST;
import static org.tcpbypass.pipeconf.TcpFrame.SYN;
import static org.tcpbypass.pipeconf.TcpFrame.URG;
import static org.tcpbypass.pipeconf.TcpFrame.ascii;
import static org.tcpbypass.pipeconf.TcpFrame.ipv4;
import static org.tcpbypass.pipeconf.TcpFrame.u16;
import static org.tcpbypass.pipeconf.TcpFrame.u32;

/**
 * Crafted segments through simple_switch running the committed BMv2 JSON, with bypass, ACL and clone-session
 * entries installed over thrift; every output is compared with a frame built here from the bypass formulas
 * (bypass-math.md) with checksums computed here. Skipped when simple_switch is not on PATH.
 */
public class Bmv2BypassTest {

    private static final long MOD = 1L << 32;
    private static final int CLIENT_PORT = 1;
    private static final int SERVER_PORT = 2;
    private static final int OTHER_PORT = 3;
    private static final int CPU = (int) BypassPipelineConstants.CPU_PORT;

    // Client leg c:cp -> v:vp and server leg p:pp -> s:sp (bypass-math.md).
    private static final int C = ipv4("198.18.0.1");
    private static final int V = ipv4("198.18.0.100");
    private static final int P = ipv4("198.18.0.50");
    private static final int S = ipv4("198.19.0.10");
    private static final int CP = 40000;
    private static final int VP = 80;
    private static final int PP = 51000;
    private static final int SP = 8080;
    private static final long CLIENT_MAC = 0x020000000001L;
    private static final long VIP_MAC = 0x020000000100L;
    private static final long SERVER_MAC = 0x020000000200L;

    /**
     * One direction of a bypassed connection: where its entry sends, and its record's translation, which every
     * expectation below derives from (BypassTranslation, the app's own arithmetic).
     */
    private static final class Direction {
        final int egress;
        final BypassTranslation t;
        final BypassDirection d;
        final TcpEndpoint src;
        final TcpEndpoint dst;
        final long ethDst;

        Direction(Bypass record, BypassDirection d) {
            this.t = record.translation().orElseThrow();
            this.d = d;
            boolean toServer = d == BypassDirection.TO_SERVER;
            this.egress = toServer ? SERVER_PORT : CLIENT_PORT;
            this.src = toServer ? record.tuple().proxy() : record.tuple().vip();
            this.dst = toServer ? record.tuple().server() : record.tuple().client();
            this.ethDst = toServer ? SERVER_MAC : CLIENT_MAC;
        }

        long seqDelta() {
            return t.seqDelta(d);
        }

        long ackDelta() {
            return t.ackDelta(d);
        }
    }

    /**
     * A bypassed connection (client c:clientPort, proxy port proxyPort) whose client stood at clientSeq and server
     * at serverSeq at the hand-off, each in its own numbering, with D_cs = 0x30000000 and D_sc = 0xF0000000 (sequence
     * numbers near either end of the space wrap), TSval offsets 0x7FFFFFF0 and 0x12345678, window shifts 7 (client
     * and the proxy towards it) and 9 (server and the proxy towards it). Until the receiver ACKs through the switch,
     * a FIN or RST is plausible up to 65535 << its shift past the hand-off SEQ.
     */
    private static Bypass bypass(long id, int clientPort, int proxyPort, long clientSeq, long serverSeq) {
        LegState clientLeg = LegState.builder().sndNxt((serverSeq + 0xF0000000L) % MOD).rcvNxt(clientSeq)
                .localWindowShift(7).peerWindowShift(7).mss(1460).sackPermitted(true).timestamps(true)
                .tsVal(0x12345678L).peerTsVal(0).build();
        LegState serverLeg = LegState.builder().sndNxt((clientSeq + 0x30000000L) % MOD).rcvNxt(serverSeq)
                .localWindowShift(9).peerWindowShift(9).mss(1460).sackPermitted(true).timestamps(true)
                .tsVal(0x7FFFFFF0L).peerTsVal(0).build();
        ConnectionTuple tuple = ConnectionTuple.of(endpoint(C, clientPort), endpoint(V, VP), endpoint(P, proxyPort),
                                                   endpoint(S, SP));
        return Bypass.offloading(BypassId.of(id), "proxy1", DEVICE, tuple,
                                 BypassTranslation.of(clientLeg, serverLeg), 0);
    }

    private static TcpEndpoint endpoint(int ip, int port) {
        return TcpEndpoint.of(Ip4Address.valueOf(ip), port);
    }

    private static final Bypass FIRST = bypass(1, CP, PP, 0xF0000010L, 0x10000000L);
    private static final Direction TO_SERVER = new Direction(FIRST, BypassDirection.TO_SERVER);
    private static final Direction TO_CLIENT = new Direction(FIRST, BypassDirection.TO_CLIENT);

    // A second bypassed connection whose segments agree with each other (client c:cp2, proxy port pp2), for what
    // depends on the conversation so far: a FIN or RST counts only inside the window its receiver announced.
    private static final int CP2 = CP + 2;
    private static final int PP2 = PP + 2;
    // The client's and the server's next sequence numbers at the hand-off, each in its own numbering.
    private static final long CSEQ = 0x0FFFFFF0L;
    private static final long SSEQ = 0xE0000000L;
    private static final Bypass SECOND = bypass(2, CP2, PP2, CSEQ, SSEQ);
    private static final Direction TO_SERVER2 = new Direction(SECOND, BypassDirection.TO_SERVER);
    private static final Direction TO_CLIENT2 = new Direction(SECOND, BypassDirection.TO_CLIENT);
    // A third connection that closes right after the hand-off, before either endpoint ACKed through the switch.
    private static final int CP3 = CP + 4;
    private static final int PP3 = PP + 4;
    private static final Bypass THIRD = bypass(3, CP3, PP3, CSEQ, SSEQ);
    private static final Direction TO_SERVER3 = new Direction(THIRD, BypassDirection.TO_SERVER);
    private static final Direction TO_CLIENT3 = new Direction(THIRD, BypassDirection.TO_CLIENT);
    // What each endpoint acknowledges: the other's bytes in the numbering of its own leg.
    private static final long CLIENT_ACK = (SSEQ + TO_CLIENT.seqDelta()) % MOD;
    private static final int GAP_MILLIS = 20;

    private static final Map<Integer, TcpFrame> SENT = new LinkedHashMap<>();
    // Keepalive probe templates the controller sends through the pipeline (KeepaliveProbe), after the conversation.
    private static final Map<Integer, TcpFrame> PROBES = new LinkedHashMap<>();
    // The ACK a probe template carries for when the switch has seen no ACK of the probed endpoint's peer.
    private static final long PROBE_FALLBACK_ACK = 0x0BADF00DL;
    // Segments that do not arrive from their sender's usual port.
    private static final Map<Integer, Integer> INGRESS = new LinkedHashMap<>();
    private static final List<byte[]> OTHER_SENT = new ArrayList<>();
    private static Map<Integer, List<byte[]>> outputs;
    private static String counters;
    private static Path dir;

    @BeforeClass
    public static void runSwitch() throws Exception {
        Bmv2Tools.assumeOnPath("simple_switch", "simple_switch_CLI");
        dir = Files.createTempDirectory("tcp-bypass-bmv2");

        // Client -> server, arriving from the client.
        send(1, clientSegment(0xF0000010L, 0x10000000L, ACK | PSH, 1000,
                              new TcpFrame.Options().nop().nop().ts(0x90000000L, 0x00000005L),
                              ascii("GET / HTTP/1.1\r\nHost: example\r\n\r\n")));
        send(2, clientSegment(0xFFFFFFF0L, 0x00000010L, ACK, 65535, new TcpFrame.Options().nop().nop()
                .ts(0x00000001L, 0xFFFFFFFFL).nop().nop()
                .sack(0xF0000020L, 0xF0000120L, 0x00000010L, 0x00000100L, 0xFFFFFF00L, 0x00000000L), new byte[0]));
        // Odd offsets: TS at 1, SACK at 11; then EOL and padding.
        send(3, clientSegment(0x00000001L, 0xF0000000L, ACK, 12345, new TcpFrame.Options().nop()
                .ts(0xFFFFFFFFL, 0x12345677L).sack(0xEFFFFFFFL, 0xF0000001L).eol().raw(0, 0), ascii("odd")));
        send(4, clientSegment(0x7FFFFFFFL, 0x80000000L, ACK, 1, new TcpFrame.Options().nop().nop()
                .sack(1, 2, 3, 4, 5, 6, 7, 8), new byte[0]));
        // Options other than SACK and timestamps stay as they are, in order.
        send(5, clientSegment(100, 200, ACK, 512, new TcpFrame.Options().nop().ws(7).mss(1460).sackPermitted()
                .raw(253, 5, 0xaa, 0xbb, 0xcc).ts(1000, 2000).eol().raw(0, 0), ascii("x")));
        // A new connection on a bypassed tuple: the SYN is not translated (RFC 7323: its window is never scaled),
        // the proxy host answers through the port the SYN left by, and the client's third segment proves it.
        send(20, clientSegment(0x40000000L, 0, SYN, 64240, new TcpFrame.Options().mss(1460).sackPermitted()
                .ts(0x11111111L, 0).nop().ws(7), new byte[0]));
        send(22, proxyHostSegment(CP, 0x60000000L, 0x40000001L, SYN | ACK, 65160, new TcpFrame.Options().mss(1460)
                .sackPermitted().ts(0x33333333L, 0x11111111L).nop().ws(7)), OTHER_PORT);
        send(23, clientSegment(0x40000001L, 0x60000001L, ACK, 502, new TcpFrame.Options().nop().nop()
                .ts(0x11111112L, 0x33333333L), new byte[0]));
        TcpFrame corrupted = clientSegment(42, 43, ACK | PSH, 100, new TcpFrame.Options().nop().nop().ts(1, 2),
                                           ascii("corrupted in transit"));
        corrupted.checksumError = 0x0101;
        send(13, corrupted);
        // More option entries than the parser keeps apart: 30 NOPs then timestamps.
        TcpFrame.Options nops = new TcpFrame.Options();
        for (int i = 0; i < 30; i++) {
            nops.nop();
        }
        send(14, clientSegment(1, 2, ACK, 100, nops.ts(1, 2), new byte[0]));
        TcpFrame withIpOptions = clientSegment(0xFFFFFFFFL, 0xFFFFFFFFL, ACK | PSH, 300,
                                               new TcpFrame.Options().nop().nop().ts(3, 4), ascii("ip options"));
        // Router alert: IPv4 options of a bypassed segment are not translated through, the segment is dropped.
        withIpOptions.ipOptions = new byte[] {(byte) 0x94, 4, 0, 0};
        send(16, withIpOptions);

        // Server -> client, arriving from the server.
        send(6, serverSegment(0x10000000L, 0x50000000L, ACK | PSH, 30000,
                              new TcpFrame.Options().nop().nop().ts(0xFFFFF000L, 0x0FFFFFF0L), ascii("HTTP/1.1 200")));
        send(7, serverSegment(0x10000100L, 0x50000000L, ACK, 100,
                              new TcpFrame.Options().nop().nop().ts(0xFFFFF001L, 0x0FFFFFF0L), new byte[0]));
        send(21, serverSegment(0x50000000L, 0x40000001L, SYN | ACK, 65160, new TcpFrame.Options().mss(1460)
                .sackPermitted().ts(0x22222222L, 0x11111111L).nop().ws(9), new byte[0]));

        // Not a bypassed connection: the ACL forwards it untouched.
        TcpFrame stranger = clientSegment(5, 6, ACK, 1000, new TcpFrame.Options().nop().nop().ts(1, 2), ascii("!"));
        stranger.srcPort = CP + 1;
        send(10, stranger);
        // The same option areas on connections that are not bypassed leave byte for byte as they came.
        TcpFrame.Options moreNops = new TcpFrame.Options();
        for (int i = 0; i < 30; i++) {
            moreNops.nop();
        }
        TcpFrame manyOptions = clientSegment(1, 2, ACK, 100, moreNops.ts(1, 2), new byte[0]);
        manyOptions.srcPort = CP + 1;
        send(17, manyOptions);
        // An option whose length runs past the option area: carried as it came, or dropped when bypassed.
        TcpFrame malformed = clientSegment(1, 2, ACK, 100, new TcpFrame.Options().raw(30, 20, 1, 2), new byte[0]);
        malformed.srcPort = CP + 1;
        send(18, malformed);
        send(19, clientSegment(1, 2, ACK, 100, new TcpFrame.Options().raw(30, 20, 1, 2), new byte[0]));
        byte[] arp = hex("ffffffffffff02000000000108060001080006040001020000000001c6120001000000000000c6120064");
        byte[] lldp = hex("0180c200000e02000000000188cc020704020000000001040702020000000001060200780000");
        OTHER_SENT.add(arp);
        OTHER_SENT.add(lldp);

        // A packet-out towards the server port: the pipeline leaves it alone even though it matches a bypass entry.
        TcpFrame packetOut = clientSegment(9, 9, ACK, 9, new TcpFrame.Options().nop().nop().ts(9, 9), ascii("out"));
        packetOut.ipId = 15;
        byte[] out = packetOut.build();
        byte[] withHeader = new byte[out.length + 2];
        withHeader[0] = (byte) (SERVER_PORT >>> 1);
        withHeader[1] = (byte) (SERVER_PORT << 7);
        System.arraycopy(out, 0, withHeader, 2, out.length);

        conversation();
        probes();

        List<Map.Entry<Integer, byte[]>> sequence = new ArrayList<>();
        for (Map.Entry<Integer, TcpFrame> sent : SENT.entrySet()) {
            sequence.add(Map.entry(INGRESS.getOrDefault(sent.getKey(), sent.getValue().ipSrc == S ? SERVER_PORT
                    : CLIENT_PORT), sent.getValue().build()));
        }
        sequence.add(Map.entry(CLIENT_PORT, arp));
        sequence.add(Map.entry(CLIENT_PORT, lldp));
        sequence.add(Map.entry(CPU, withHeader));
        PROBES.values().forEach(probe -> sequence.add(Map.entry(CPU, throughPipeline(probe))));

        Path json = Bmv2Tools.committedJson(dir);
        try (Bmv2Tools.PcapSwitch sw = Bmv2Tools.PcapSwitch.sequenced(
                json, dir, sequence, List.of(CLIENT_PORT, SERVER_PORT, OTHER_PORT, CPU), GAP_MILLIS, 6)) {
            sw.cli(String.join("\n",
                    Bmv2Entries.cli(List.of(FIRST, SECOND, THIRD),
                                    Attachment.of(PortNumber.portNumber(CLIENT_PORT), MacAddress.valueOf(CLIENT_MAC)),
                                    Attachment.of(PortNumber.portNumber(SERVER_PORT), MacAddress.valueOf(SERVER_MAC)),
                                    MacAddress.valueOf(VIP_MAC)),
                    // BMv2's own priorities: the lowest value wins.
                    "table_add ingress.acl.acl_table ingress.acl.punt_to_cpu " + aclKey("0x88cc&&&0xffff") + " => 1",
                    "table_add ingress.acl.acl_table ingress.acl.set_egress_port " + aclKey("0&&&0") + " => "
                            + OTHER_PORT + " 100",
                    "mirroring_add " + BypassPipelineConstants.CPU_CLONE_SESSION_ID + " " + CPU, ""));
            sw.checkStillWaiting();
            outputs = sw.awaitOutputs(Map.of(SERVER_PORT, 24, CLIENT_PORT, 12, OTHER_PORT, 13, CPU, 7),
                                      Duration.ofSeconds(30));
            counters = sw.cli("counter_read ingress.bypass.bypass_counter 0\n"
                                      + "counter_read ingress.bypass.bypass_counter 1\n"
                                      + "counter_read ingress.bypass.anomaly_counter "
                                      + BypassPipelineConstants.ANOMALY_FRAGMENT + "\n"
                                      + "counter_read ingress.bypass.anomaly_counter "
                                      + BypassPipelineConstants.ANOMALY_IPV4_OPTIONS + "\n"
                                      + "counter_read ingress.bypass.anomaly_counter "
                                      + BypassPipelineConstants.ANOMALY_TCP_OPTIONS + "\n"
                                      + "counter_read ingress.bypass.anomaly_counter "
                                      + BypassPipelineConstants.ANOMALY_BLIND_CLOSE + "\n");
        }
    }

    @AfterClass
    public static void removeFiles() throws IOException {
        Bmv2Tools.deleteTree(dir);
    }

    @Test
    public void clientSegmentsReachTheServerTranslated() {
        for (int id : new int[] {1, 2, 3, 4, 5}) {
            assertTranslated(id, TO_SERVER);
        }
        for (int id : new int[] {30, 36}) {
            assertTranslated(id, TO_SERVER2);
        }
    }

    @Test
    public void serverSegmentsReachTheClientTranslated() {
        assertTranslated(6, TO_CLIENT);
        assertTranslated(7, TO_CLIENT);
        assertTranslated(31, TO_CLIENT2);
        assertTranslated(37, TO_CLIENT2);
    }

    @Test
    public void optionsAtTheLastStackEntriesAreTranslated() {
        // Timestamps in entry 9 (at an odd offset), the tenth and last entry; SACK in entries 8 and 9.
        assertTranslated(46, TO_SERVER2);
        assertTranslated(48, TO_SERVER2);
    }

    @Test
    public void sackWithoutAckIsTranslatedAndItsAcknowledgmentFieldLeftAlone() {
        assertTranslated(49, TO_SERVER2);
        byte[] out = received(SERVER_PORT, 49);
        assertThat(u32(out, TcpFrame.tcpOffset(out) + 8), is(0x12345678L));
    }

    @Test
    public void tosTtlAndUrgentPointerPassThrough() {
        assertTranslated(50, TO_SERVER2);
        byte[] out = received(SERVER_PORT, 50);
        int tcp = TcpFrame.tcpOffset(out);
        assertThat("DSCP and ECN", TcpFrame.u8(out, TcpFrame.ETH_LEN + 1), is(0xB9));
        assertThat("TTL", TcpFrame.u8(out, TcpFrame.ETH_LEN + 8), is(3));
        assertThat("flags", TcpFrame.u8(out, tcp + 13), is(ACK | URG));
        assertThat("urgent pointer", u16(out, tcp + 18), is(0x1234));
    }

    @Test
    public void checksumsZeroAndNegativeZeroAreUpdated() {
        assertThat(u16(SENT.get(51).build(), TcpFrame.tcpOffset(SENT.get(51).build()) + 16), is(0x0000));
        assertThat(u16(SENT.get(52).build(), TcpFrame.tcpOffset(SENT.get(52).build()) + 16), is(0xFFFF));
        for (int id : new int[] {51, 52}) {
            byte[] out = received(SERVER_PORT, id);
            assertTrue("IPv4 checksum of " + id, TcpFrame.ipv4ChecksumValid(out));
            assertTrue("TCP checksum of " + id, TcpFrame.tcpChecksumValid(out));
            byte[] expected = translate(SENT.get(id), TO_SERVER2).build();
            int checksum = TcpFrame.tcpOffset(out) + 16;
            TcpFrame.putU16(expected, checksum, u16(out, checksum));
            assertArrayEquals("segment " + id + " but its TCP checksum", expected, out);
        }
    }

    @Test
    public void laterFragmentsOfABypassedDatagramWhoseFirstWasDroppedAreDroppedToo() {
        assertNowhere(38);
        assertAnomalies(BypassPipelineConstants.ANOMALY_FRAGMENT, 3);
    }

    @Test
    public void laterFragmentOfAnotherDatagramAndTaggedFrameFollowTheAclUntouched() {
        assertArrayEquals(SENT.get(39).build(), received(OTHER_PORT, 39));
        byte[] tagged = SENT.get(53).build();
        assertThat(outputs.get(OTHER_PORT).stream().filter(f -> Arrays.equals(f, tagged)).count(), is(1L));
    }

    @Test
    public void blindFinAndRstAreForwardedButNotCopiedAndTheTransferGoesOn() {
        for (int id : new int[] {32, 34}) {
            assertTranslated(id, TO_SERVER2);
            assertNotCopiedToCpu(id);
        }
        for (int id : new int[] {33, 35}) {
            assertTranslated(id, TO_CLIENT2);
            assertNotCopiedToCpu(id);
        }
        assertTranslated(36, TO_SERVER2);
        assertTranslated(37, TO_CLIENT2);
        assertAnomalies(BypassPipelineConstants.ANOMALY_BLIND_CLOSE, 7);
    }

    @Test
    public void rightAfterTheHandOffBlindRstIsNotCopiedAndAFinInTheLargestWindowIs() {
        assertTranslated(62, TO_SERVER2);
        assertTranslated(63, TO_CLIENT2);
        assertTranslated(64, TO_SERVER3);
        assertTranslated(65, TO_CLIENT3);
        for (int id : new int[] {62, 63, 64}) {
            assertNotCopiedToCpu(id);
        }
        assertCopiedToCpu(65, SERVER_PORT);
    }

    @Test
    public void untranslatableSegmentsAreDroppedAndCountedByReason() {
        assertAnomalies(BypassPipelineConstants.ANOMALY_FRAGMENT, 3);
        assertAnomalies(BypassPipelineConstants.ANOMALY_IPV4_OPTIONS, 2);
        assertAnomalies(BypassPipelineConstants.ANOMALY_TCP_OPTIONS, 8);
    }

    @Test
    public void finWhoseOptionsCannotBeTakenApartIsDroppedButCopiedToTheController() {
        assertCopiedToCpu(45, CLIENT_PORT);
    }

    @Test
    public void sequenceNumbersWrapAround() {
        byte[] out = received(SERVER_PORT, 1);
        int tcp = TcpFrame.tcpOffset(out);
        assertThat(u32(out, tcp + 4), is(0x20000010L));
        assertThat(u32(out, tcp + 8), is(0x20000000L));
        out = received(SERVER_PORT, 2);
        tcp = TcpFrame.tcpOffset(out);
        assertThat(u32(out, tcp + 4), is(0x2FFFFFF0L));
        assertThat(u32(out, tcp + 8), is(0x10000010L));
    }

    @Test
    public void sackEdgesMapWithTheOppositeDelta() {
        byte[] out = received(SERVER_PORT, 2);
        int sack = TcpFrame.tcpOffset(out) + 20 + 12 + 2;
        long[] expected = {0x00000020L, 0x00000120L, 0x10000010L, 0x10000100L, 0x0FFFFF00L, 0x10000000L};
        for (int i = 0; i < expected.length; i++) {
            assertThat("SACK edge " + i, u32(out, sack + 2 + 4 * i), is(expected[i]));
        }
    }

    @Test
    public void timestampsMapWithTheirOffsets() {
        byte[] out = received(SERVER_PORT, 1);
        int ts = TcpFrame.tcpOffset(out) + 20 + 2;
        assertThat(u32(out, ts + 2), is(0x0FFFFFF0L));
        assertThat(u32(out, ts + 6), is((0x00000005L - 0x12345678L + MOD) % MOD));
    }

    @Test
    public void windowIsRescaledDownAndCapped() {
        assertThat(u16(received(SERVER_PORT, 1), TcpFrame.tcpOffset(received(SERVER_PORT, 1)) + 14), is(250));
        assertThat(u16(received(SERVER_PORT, 2), TcpFrame.tcpOffset(received(SERVER_PORT, 2)) + 14), is(16383));
        assertThat(u16(received(SERVER_PORT, 4), TcpFrame.tcpOffset(received(SERVER_PORT, 4)) + 14), is(0));
        assertThat(u16(received(CLIENT_PORT, 6), TcpFrame.tcpOffset(received(CLIENT_PORT, 6)) + 14), is(65535));
        assertThat(u16(received(CLIENT_PORT, 7), TcpFrame.tcpOffset(received(CLIENT_PORT, 7)) + 14), is(400));
    }

    @Test
    public void otherOptionsAreCarriedUnchanged() {
        byte[] in = SENT.get(5).build();
        byte[] out = received(SERVER_PORT, 5);
        int tcp = TcpFrame.tcpOffset(in);
        // NOP, WS, MSS, SACK-permitted and the unknown option: the first 15 option bytes.
        assertArrayEquals(Arrays.copyOfRange(in, tcp + 20, tcp + 35), Arrays.copyOfRange(out, tcp + 20, tcp + 35));
        // EOL and padding after the timestamps.
        assertArrayEquals(Arrays.copyOfRange(in, tcp + 45, tcp + 48), Arrays.copyOfRange(out, tcp + 45, tcp + 48));
    }

    @Test
    public void plausibleFinAndRstAreTranslatedAndCopiedToTheController() {
        assertTranslated(54, TO_SERVER2);
        assertTranslated(55, TO_CLIENT2);
        assertTranslated(56, TO_CLIENT2);
        assertThat(u32(received(CLIENT_PORT, 56), TcpFrame.tcpOffset(received(CLIENT_PORT, 56)) + 8),
                   is(0x12345678L));
        assertCopiedToCpu(54, CLIENT_PORT);
        assertCopiedToCpu(55, SERVER_PORT);
        assertCopiedToCpu(56, SERVER_PORT);
    }

    @Test
    public void synAndSynAckOnABypassedTupleFollowTheAclUntranslatedAndAreNotCopied() {
        assertArrayEquals("SYN", SENT.get(20).build(), received(OTHER_PORT, 20));
        assertArrayEquals("SYN-ACK", SENT.get(21).build(), received(OTHER_PORT, 21));
        assertNotCopiedToCpu(20);
        assertNotCopiedToCpu(21);
    }

    @Test
    public void segmentCompletingANewHandshakeFollowsTheAclUntranslatedAndIsCopiedToTheController() {
        assertArrayEquals("proxy host's SYN-ACK", SENT.get(22).build(), received(OTHER_PORT, 22));
        assertArrayEquals("third segment", SENT.get(23).build(), received(OTHER_PORT, 23));
        assertNotCopiedToCpu(22);
        assertCopiedToCpu(23, CLIENT_PORT);
    }

    @Test
    public void blindSynLeavesTheBypassAndItsTranslationIntact() {
        assertArrayEquals("blind SYN", SENT.get(57).build(), received(OTHER_PORT, 57));
        // Its SYN-ACK, spoofed through the attacker's port and sent by the proxy host, pass by untouched.
        assertArrayEquals(SENT.get(58).build(), received(OTHER_PORT, 58));
        assertArrayEquals(SENT.get(59).build(), received(OTHER_PORT, 59));
        // The attacker's third segment (it cannot know the proxy host's SEQ) and the real client's challenge ACK.
        assertTranslated(60, TO_SERVER2);
        assertTranslated(61, TO_SERVER2);
        for (int id : new int[] {57, 58, 59, 60, 61}) {
            assertNotCopiedToCpu(id);
        }
        assertTranslated(36, TO_SERVER2);
        assertTranslated(37, TO_CLIENT2);
    }

    @Test
    public void corruptedSegmentStaysDetectablyCorrupted() {
        byte[] out = received(SERVER_PORT, 13);
        assertTrue("IPv4 checksum", TcpFrame.ipv4ChecksumValid(out));
        assertFalse("a corrupted segment must not leave with a valid TCP checksum", TcpFrame.tcpChecksumValid(out));
        TcpFrame expected = translate(SENT.get(13), TO_SERVER);
        assertArrayEquals(expected.build(), out);
    }

    @Test
    public void bypassedSegmentWhoseOptionsCannotBeTakenApartIsDropped() {
        for (Map.Entry<Integer, List<byte[]>> port : outputs.entrySet()) {
            for (byte[] frame : port.getValue()) {
                int id = TcpFrame.isIpv4(frame) ? TcpFrame.ipId(frame) : -1;
                assertFalse("segment " + id + " left through port " + port.getKey(),
                            Set.of(14, 16, 19, 38, 40, 41, 42, 43, 44, 45, 47).contains(id)
                                    && port.getKey() != CPU);
            }
        }
    }

    @Test
    public void probesBecomeKeepalivesBelowTheLastAckPointTheSwitchSaw() {
        // The client last acknowledged CLIENT_ACK and the server serverAck(201) (segments 54 and 55).
        assertProbe(70, TO_CLIENT2, CLIENT_ACK - 1, serverAck(201) - TO_CLIENT.ackDelta());
        assertProbe(71, TO_SERVER2, serverAck(201) - 1, CLIENT_ACK - TO_SERVER.ackDelta());
    }

    @Test
    public void anEndpointThatAckedNothingIsNotProbedAndItsPeerGetsTheTemplatesAck() {
        // The third connection's client sent only a blind RST (no ACK point known: its probe is dropped); its server
        // acknowledged serverAck(0) (segment 65), and is probed with the template's ACK.
        assertNowhere(72);
        assertProbe(73, TO_SERVER3, serverAck(0) - 1, PROBE_FALLBACK_ACK - TO_SERVER.ackDelta());
    }

    @Test
    public void onlyAnEndpointWithAKnownAckPointIsProbedAndAProbeOfNoBypassIsDropped() {
        // The first connection's client acknowledged through the switch; its server's segments (6, 7) lie outside
        // the window the client announced, so the switch recorded no ACK of the server's.
        received(CLIENT_PORT, 75);
        assertNowhere(76);
        assertNowhere(74);
        assertNotCopiedToCpu(74);
    }

    private static void assertNowhere(int id) {
        for (List<byte[]> frames : outputs.values()) {
            assertThat(frames.stream().filter(f -> TcpFrame.isIpv4(f) && TcpFrame.ipId(f) == id).count(), is(0L));
        }
    }

    // A probe leaves as its direction's entry translates it, with SEQ and ACK set from what the switch saw.
    private static void assertProbe(int id, Direction direction, long seq, long ack) {
        byte[] out = received(direction.egress, id);
        assertTrue("IPv4 checksum of " + id, TcpFrame.ipv4ChecksumValid(out));
        assertTrue("TCP checksum of " + id, TcpFrame.tcpChecksumValid(out));
        TcpFrame expected = translate(PROBES.get(id), direction);
        expected.seq = (seq + 2 * MOD) % MOD;
        expected.ack = (ack + 2 * MOD) % MOD;
        assertArrayEquals("probe " + id, expected.build(), out);
    }

    @Test
    public void otherTrafficFollowsTheAclUntouched() {
        List<byte[]> other = outputs.get(OTHER_PORT);
        assertThat(other.size(), is(13));
        for (int id : new int[] {10, 17, 18}) {
            assertArrayEquals("segment " + id, SENT.get(id).build(), received(OTHER_PORT, id));
        }
        assertThat(other.stream().filter(f -> Arrays.equals(f, OTHER_SENT.get(0))).count(), is(1L));
    }

    @Test
    public void puntedFrameCarriesItsIngressPort() {
        byte[] lldp = OTHER_SENT.get(1);
        List<byte[]> punted = outputs.get(CPU).stream()
                .filter(f -> f.length == lldp.length + 2 && u16(f, 2 + 12) == 0x88cc)
                .collect(Collectors.toList());
        assertThat(punted.size(), is(1));
        assertThat(ingressPort(punted.get(0)), is(CLIENT_PORT));
        assertArrayEquals(lldp, Arrays.copyOfRange(punted.get(0), 2, punted.get(0).length));
    }

    @Test
    public void packetOutLeavesThroughTheNamedPortUnchanged() {
        byte[] out = received(SERVER_PORT, 15);
        TcpFrame sent = clientSegment(9, 9, ACK, 9, new TcpFrame.Options().nop().nop().ts(9, 9), ascii("out"));
        sent.ipId = 15;
        assertArrayEquals(sent.build(), out);
    }

    @Test
    public void nothingElseLeavesTheSwitch() {
        assertThat(outputs.get(SERVER_PORT).size(), is(24));
        assertThat(outputs.get(CLIENT_PORT).size(), is(12));
        assertThat(outputs.get(OTHER_PORT).size(), is(13));
        assertThat(outputs.get(CPU).size(), is(7));
    }

    @Test
    public void bypassCounterCountsWhatWasTranslated() {
        // Entry handles 0 and 1 are the two directions, in the order they were added. The segments dropped (14, 16,
        // 19), the SYNs (20, 21) and the controller's probes (75, 76) hit the guard entries instead; the third segment
        // of a new connection (23) counts, the one segment that hits the counted entry without being translated.
        assertTrue(counters, counters.contains("bypass_counter[0]= (" + bytesSent(1, 2, 3, 4, 5, 13, 23)
                + " bytes, 7 packets)"));
        assertTrue(counters, counters.contains("bypass_counter[1]= (" + bytesSent(6, 7) + " bytes, 2 packets)"));
    }

    // --- expectations

    private static void assertTranslated(int id, Direction direction) {
        byte[] out = received(direction.egress, id);
        assertTrue("IPv4 checksum of " + id, TcpFrame.ipv4ChecksumValid(out));
        assertTrue("TCP checksum of " + id, TcpFrame.tcpChecksumValid(out));
        assertArrayEquals("segment " + id, translate(SENT.get(id), direction).build(), out);
    }

    private static void assertNotCopiedToCpu(int id) {
        assertThat("copies of " + id, copiesOf(id).size(), is(0));
    }

    // Packet-ins of IPv4 frames with the given IP id.
    private static List<byte[]> copiesOf(int id) {
        return outputs.get(CPU).stream()
                .filter(f -> f.length > 2 + 20 && u16(f, 2 + 12) == 0x0800 && u16(f, 2 + 14 + 4) == id)
                .collect(Collectors.toList());
    }

    // BMv2 keeps bytes for a packets-only counter too; only the packets are asserted.
    private static void assertAnomalies(int reason, int packets) {
        assertTrue(counters, counters.matches("(?s).*anomaly_counter\\[" + reason + "\\]= \\(\\d+ bytes, "
                + packets + " packets\\).*"));
    }

    private static void assertCopiedToCpu(int id, int ingress) {
        List<byte[]> copies = copiesOf(id);
        assertThat("copies of " + id, copies.size(), is(1));
        assertThat(ingressPort(copies.get(0)), is(ingress));
        assertArrayEquals("copy of " + id + " is the segment as it arrived",
                          SENT.get(id).build(), Arrays.copyOfRange(copies.get(0), 2, copies.get(0).length));
    }

    /** What the receiver must get, by the record's BypassTranslation and the tuple's addresses. */
    private static TcpFrame translate(TcpFrame in, Direction d) {
        TcpFrame out = in.copy();
        out.ethSrc = VIP_MAC;
        out.ethDst = d.ethDst;
        out.ipSrc = d.src.ip().toInt();
        out.ipDst = d.dst.ip().toInt();
        out.srcPort = d.src.port();
        out.dstPort = d.dst.port();
        out.seq = d.t.mapSeq(d.d, in.seq);
        boolean ack = (in.flags & ACK) != 0;
        if (ack) {
            out.ack = d.t.mapAck(d.d, in.ack);
        }
        out.window = d.t.mapWindow(d.d, in.window);
        byte[] options = in.options.bytes();
        int i = 0;
        while (i < options.length) {
            int kind = options[i] & 0xff;
            if (kind == 0) {
                break;
            }
            if (kind == 1) {
                i++;
                continue;
            }
            int len = options[i + 1] & 0xff;
            if (kind == 5) {
                for (int edge = i + 2; edge < i + len; edge += 4) {
                    out.options.setU32(edge, d.t.mapAck(d.d, in.options.u32(edge)));
                }
            } else if (kind == 8) {
                out.options.setU32(i + 2, d.t.mapTsVal(d.d, in.options.u32(i + 2)));
                if (ack) {
                    out.options.setU32(i + 6, d.t.mapTsEcr(d.d, in.options.u32(i + 6)));
                }
            }
            i += len;
        }
        return out;
    }

    private static byte[] received(int port, int id) {
        List<byte[]> frames = outputs.get(port).stream()
                .filter(f -> TcpFrame.isIpv4(f) && TcpFrame.ipId(f) == id)
                .collect(Collectors.toList());
        assertEquals("frames with IP id " + id + " on port " + port, 1, frames.size());
        return frames.get(0);
    }

    private static int ingressPort(byte[] packetIn) {
        return u16(packetIn, 0) >>> 7;
    }

    private static long bytesSent(int... ids) {
        return Arrays.stream(ids).mapToLong(id -> SENT.get(id).build().length).sum();
    }

    // --- frames

    /** The second connection's segments, each consistent with what the other endpoint acknowledged before. */
    private static void conversation() {
        byte[] hundred = new byte[100];
        // Blind, before either endpoint ACKed through the switch: beyond the largest window the receiver can
        // announce (65535 << 9 past CSEQ, 65535 << 7 past SSEQ).
        send(62, client2(CSEQ + (65535L << 9) + 1, 0, RST, 0, new TcpFrame.Options(), new byte[0]));
        send(63, server2(SSEQ - 1, serverAck(0), RST | ACK, 0, new TcpFrame.Options(), new byte[0]));
        // The third connection: a blind RST from the client, then the server's FIN after 1000 bytes it sent before
        // the client's ACK of them reached the switch.
        send(64, segment(CLIENT_MAC, VIP_MAC, C, V, CP3, VP, (CSEQ + 0x20000000L) % MOD, 0, RST, 0,
                         new TcpFrame.Options(), new byte[0]));
        send(65, segment(SERVER_MAC, VIP_MAC, S, P, SP, PP3, (SSEQ + 1000) % MOD, serverAck(0), FIN | ACK, 200,
                         tsOptions(), new byte[0]));
        send(30, client2(CSEQ, CLIENT_ACK, ACK | PSH, 1000, tsOptions(), hundred));
        send(31, server2(SSEQ, serverAck(100), ACK, 200, tsOptions(), new byte[0]));
        // Blind: a SYN on the live tuple; the proxy host's SYN-ACK through its port, then one spoofed through the
        // attacker's port; the attacker's guess at completing the handshake; the real client's challenge ACK.
        send(57, client2(0x70000000L, 0, SYN, 64240, new TcpFrame.Options().mss(1460).nop().ws(7), new byte[0]));
        send(59, proxyHostSegment(CP2, 0x56780000L, 0x70000001L, SYN | ACK, 65160,
                                  new TcpFrame.Options().mss(1460).nop().ws(7)), OTHER_PORT);
        send(58, proxyHostSegment(CP2, 0x12340000L, 0x70000001L, SYN | ACK, 65160,
                                  new TcpFrame.Options().mss(1460).nop().ws(7)), CLIENT_PORT);
        send(60, client2(0x70000001L, 0x12340001L, ACK, 502, new TcpFrame.Options(), new byte[0]));
        send(61, client2(CSEQ + 100, CLIENT_ACK, ACK, 1000, tsOptions(), new byte[0]));
        // Blind: sequence numbers outside the window the receiver announced (102400 and 128000 bytes).
        send(32, client2(CSEQ + 100 + 0x40000000L, 0, RST, 0, new TcpFrame.Options(), new byte[0]));
        send(33, server2(SSEQ + 0x80000000L, serverAck(100), RST | ACK, 0, new TcpFrame.Options(), new byte[0]));
        send(34, client2(CSEQ + 100 + 0x01000000L, CLIENT_ACK, FIN | ACK, 1000, tsOptions(), new byte[0]));
        send(35, server2(SSEQ - 5000, serverAck(100), FIN | ACK, 200, tsOptions(), new byte[0]));
        // The transfer goes on.
        send(36, client2(CSEQ + 100, CLIENT_ACK, ACK | PSH, 1000, tsOptions(), hundred));
        send(37, server2(SSEQ, serverAck(200), ACK, 200, tsOptions(), new byte[0]));

        // Not translatable: a first fragment, IPv4 options (a loose source route), SACK and timestamps of the
        // wrong length, option lengths 0 and 1, a FIN whose options cannot be taken apart, 11 option entries.
        TcpFrame fragment = client2(CSEQ + 200, CLIENT_ACK, ACK | PSH, 1000, tsOptions(), hundred);
        fragment.ipFlagsFragment = 0x2000;
        send(38, fragment);
        TcpFrame laterFragment = client2(CSEQ + 300, CLIENT_ACK, ACK, 1000, tsOptions(), hundred);
        laterFragment.ipFlagsFragment = 13;
        send(39, laterFragment);
        // The rest of the first fragment's datagram (IP id 38): a middle fragment (MF, offset 13) and the last.
        TcpFrame middle = laterFragment.copy();
        middle.ipFlagsFragment = 0x2000 | 13;
        send(66, middle);
        middle.ipId = 38;
        TcpFrame last = laterFragment.copy();
        last.ipFlagsFragment = 26;
        send(67, last);
        last.ipId = 38;
        TcpFrame sourceRoute = client2(CSEQ + 200, CLIENT_ACK, ACK | PSH, 1000, tsOptions(), hundred);
        sourceRoute.ipOptions = new byte[] {1, (byte) 0x83, 7, 4, (byte) 198, 18, 0, 50};
        send(40, sourceRoute);
        send(41, client2(CSEQ + 200, CLIENT_ACK, ACK, 1000, new TcpFrame.Options().nop().nop()
                .raw(5, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10).eol().raw(0), new byte[0]));
        send(42, client2(CSEQ + 200, CLIENT_ACK, ACK, 1000, new TcpFrame.Options().nop().nop()
                .raw(8, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10).eol().raw(0), new byte[0]));
        send(43, client2(CSEQ + 200, CLIENT_ACK, ACK, 1000, new TcpFrame.Options().raw(30, 0, 0, 0), new byte[0]));
        send(44, client2(CSEQ + 200, CLIENT_ACK, ACK, 1000, new TcpFrame.Options().raw(30, 1, 0, 0), new byte[0]));
        send(45, client2(CSEQ + 200, CLIENT_ACK, FIN | ACK, 1000, new TcpFrame.Options().raw(30, 0, 0, 0),
                         new byte[0]));
        send(46, client2(CSEQ + 200, CLIENT_ACK, ACK, 1000, nops(9).ts(5, 6).eol(), new byte[0]));
        send(47, client2(CSEQ + 200, CLIENT_ACK, ACK, 1000, nops(10).ts(5, 6), new byte[0]));

        // Translatable: SACK in entries 8 and 9; SACK without ACK; TOS, TTL and urgent pointer set.
        send(48, client2(CSEQ + 200, CLIENT_ACK, ACK, 1000, nops(8).sack(CLIENT_ACK + 1000, CLIENT_ACK + 2000)
                .eol().raw(0), new byte[0]));
        send(49, client2(CSEQ + 200, 0x12345678L, PSH, 1000, new TcpFrame.Options().nop().nop()
                .sack(CLIENT_ACK + 1000, CLIENT_ACK + 2000, CLIENT_ACK + 3000, CLIENT_ACK + 4000), new byte[0]));
        TcpFrame marked = client2(CSEQ + 200, CLIENT_ACK, ACK | URG, 1000, tsOptions(), new byte[10]);
        marked.tos = 0xB9;
        marked.ttl = 3;
        marked.urgentPointer = 0x1234;
        send(50, marked);
        // The same segment with TCP checksum 0x0000 and with its other zero, 0xFFFF.
        TcpFrame zero = withChecksumSum(client2(CSEQ + 200, CLIENT_ACK, ACK | PSH, 1000, tsOptions(),
                                                new byte[12]));
        send(51, zero);
        TcpFrame negativeZero = zero.copy();
        negativeZero.checksumError = 0xFFFF;
        send(52, negativeZero);
        // 802.1Q-tagged: not parsed, so no bypass entry matches and the ACL forwards it as it came.
        TcpFrame tagged = client2(CSEQ + 200, CLIENT_ACK, ACK | PSH, 1000, tsOptions(), hundred);
        tagged.vlanTci = 100;
        send(53, tagged);

        // Plausible: FIN both ways, then a RST without ACK (its acknowledgment field and TSecr stay as they are).
        send(54, client2(CSEQ + 200, CLIENT_ACK, FIN | ACK, 1000, tsOptions(), new byte[0]));
        send(55, server2(SSEQ, serverAck(201), FIN | ACK, 200, tsOptions(), new byte[0]));
        send(56, server2(SSEQ + 1, 0x12345678L, RST, 0, new TcpFrame.Options().nop().nop()
                .ts(0xFFFFF002L, 0x55555555L), new byte[0]));
    }

    // Probes of each endpoint of the three bypassed connections and of a tuple that is not bypassed, as the
    // controller sends them: the probed endpoint's peer to the proxy, ACK only, SEQ 0, window 0, no options.
    private static void probes() {
        long ack = PROBE_FALLBACK_ACK;
        PROBES.put(70, server2(0, ack, ACK, 0, new TcpFrame.Options(), new byte[0]));
        PROBES.put(71, client2(0, ack, ACK, 0, new TcpFrame.Options(), new byte[0]));
        PROBES.put(72, segment(SERVER_MAC, VIP_MAC, S, P, SP, PP3, 0, ack, ACK, 0, new TcpFrame.Options(),
                               new byte[0]));
        PROBES.put(73, segment(CLIENT_MAC, VIP_MAC, C, V, CP3, VP, 0, ack, ACK, 0, new TcpFrame.Options(),
                               new byte[0]));
        TcpFrame stranger = clientSegment(0, ack, ACK, 0, new TcpFrame.Options(), new byte[0]);
        stranger.srcPort = CP + 1;
        PROBES.put(74, stranger);
        PROBES.put(75, serverSegment(0, ack, ACK, 0, new TcpFrame.Options(), new byte[0]));
        PROBES.put(76, clientSegment(0, ack, ACK, 0, new TcpFrame.Options(), new byte[0]));
        PROBES.forEach((id, probe) -> probe.ipId = id);
    }

    // A packet-out that goes through the pipeline: egress_port 0, through_pipeline 1, padding.
    private static byte[] throughPipeline(TcpFrame frame) {
        byte[] f = frame.build();
        byte[] out = new byte[f.length + 2];
        out[1] = 0x40;
        System.arraycopy(f, 0, out, 2, f.length);
        return out;
    }

    // The server acknowledges the client's bytes in the server leg's numbering.
    private static long serverAck(long clientBytes) {
        return (CSEQ + clientBytes + TO_SERVER.seqDelta()) % MOD;
    }

    private static TcpFrame.Options tsOptions() {
        return new TcpFrame.Options().nop().nop().ts(0x01000000L, 0x02000000L);
    }

    private static TcpFrame.Options nops(int count) {
        TcpFrame.Options options = new TcpFrame.Options();
        for (int i = 0; i < count; i++) {
            options.nop();
        }
        return options;
    }

    // Sets the last two payload bytes so that the segment's TCP checksum field is 0x0000.
    private static TcpFrame withChecksumSum(TcpFrame frame) {
        byte[] built = frame.build();
        int checksum = u16(built, TcpFrame.tcpOffset(built) + 16);
        frame.payload[frame.payload.length - 2] = (byte) (checksum >>> 8);
        frame.payload[frame.payload.length - 1] = (byte) checksum;
        return frame;
    }

    private static TcpFrame client2(long seq, long ack, int flags, int window, TcpFrame.Options options,
                                    byte[] payload) {
        return segment(CLIENT_MAC, VIP_MAC, C, V, CP2, VP, seq % MOD, ack, flags, window, options, payload);
    }

    private static TcpFrame server2(long seq, long ack, int flags, int window, TcpFrame.Options options,
                                    byte[] payload) {
        return segment(SERVER_MAC, VIP_MAC, S, P, SP, PP2, (seq + MOD) % MOD, ack, flags, window, options, payload);
    }

    private static void send(int id, TcpFrame frame) {
        frame.ipId = id;
        SENT.put(id, frame);
    }

    private static void send(int id, TcpFrame frame, int ingress) {
        send(id, frame);
        INGRESS.put(id, ingress);
    }

    // The proxy host (v:vp) to a client port: the proxy's listener answering a SYN.
    private static TcpFrame proxyHostSegment(int clientPort, long seq, long ack, int flags, int window,
                                             TcpFrame.Options options) {
        return segment(VIP_MAC, CLIENT_MAC, V, C, VP, clientPort, seq, ack, flags, window, options, new byte[0]);
    }

    private static TcpFrame clientSegment(long seq, long ack, int flags, int window, TcpFrame.Options options,
                                          byte[] payload) {
        return segment(CLIENT_MAC, VIP_MAC, C, V, CP, VP, seq, ack, flags, window, options, payload);
    }

    private static TcpFrame serverSegment(long seq, long ack, int flags, int window, TcpFrame.Options options,
                                          byte[] payload) {
        return segment(SERVER_MAC, VIP_MAC, S, P, SP, PP, seq, ack, flags, window, options, payload);
    }

    private static TcpFrame segment(long ethSrc, long ethDst, int ipSrc, int ipDst, int srcPort, int dstPort,
                                    long seq, long ack, int flags, int window, TcpFrame.Options options,
                                    byte[] payload) {
        TcpFrame f = new TcpFrame();
        f.ethSrc = ethSrc;
        f.ethDst = ethDst;
        f.ipSrc = ipSrc;
        f.ipDst = ipDst;
        f.srcPort = srcPort;
        f.dstPort = dstPort;
        f.seq = seq;
        f.ack = ack;
        f.flags = flags;
        f.window = window;
        f.options = options;
        f.payload = payload;
        return f;
    }

    // Key order of ingress.acl.acl_table: in_port, eth src, dst, type, ipv4 src, dst, proto, l4 ports, tcp ports.
    private static String aclKey(String etherType) {
        return String.join(" ", "0&&&0", "0&&&0", "0&&&0", etherType,
                           "0&&&0", "0&&&0", "0&&&0", "0&&&0", "0&&&0", "0&&&0", "0&&&0");
    }

    private static byte[] hex(String hex) {
        byte[] bytes = new byte[hex.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }
}
