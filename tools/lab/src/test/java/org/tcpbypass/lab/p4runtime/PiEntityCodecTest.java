package org.tcpbypass.lab.p4runtime;

import com.google.protobuf.ByteString;
import org.junit.Before;
import org.junit.Test;
import org.onlab.packet.MacAddress;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.ConnectPoint;
import org.onosproject.net.DeviceId;
import org.onosproject.net.PortNumber;
import org.onosproject.net.flow.DefaultTrafficTreatment;
import org.onosproject.net.packet.DefaultOutboundPacket;
import org.onosproject.net.packet.InboundPacket;
import org.onosproject.net.pi.model.PiPipelineInterpreter;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiExactFieldMatch;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiPacketOperation;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.tcpbypass.pipeconf.BypassPipelineConstants;
import p4.v1.P4RuntimeOuterClass.CloneSessionEntry;
import p4.v1.P4RuntimeOuterClass.FieldMatch;
import p4.v1.P4RuntimeOuterClass.PacketIn;
import p4.v1.P4RuntimeOuterClass.PacketMetadata;
import p4.v1.P4RuntimeOuterClass.PacketOut;
import p4.v1.P4RuntimeOuterClass.TableEntry;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.stream.Collectors;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;
import static org.junit.Assume.assumeTrue;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_REWRITE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_TABLE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.HDR_IPV4_SRC;

/**
 * The app's PI entries, translated by the lab's flow-rule translator through the pipeconf's real interpreter,
 * encode as P4Runtime 1.2 messages by ONOS 2.7's rules against the committed P4Info.
 */
public class PiEntityCodecTest {

    private static final DeviceId DEVICE = LabEntries.DEVICE;
    // Ids the committed P4Info gives (p4c derives them from the names).
    private static final int BYPASS_TABLE_ID = 41867286;
    private static final int ACL_TABLE_ID = 36387532;
    private static final int REWRITE_ID = 16875690;
    private static final int SET_EGRESS_PORT_ID = 22820581;

    private P4InfoIndex p4Info;
    private PiEntityCodec codec;
    private PiPipelineInterpreter interpreter;
    private LabEntries entries;

    @Before
    public void setUp() {
        assumeTrue("skipped: the pipeconf bundle carries no compiled pipeline yet", LabEntries.available());
        entries = new LabEntries();
        p4Info = entries.p4Info();
        codec = new PiEntityCodec(p4Info);
        interpreter = entries.interpreter();
    }

    private PiTableEntry bypassEntry() throws Exception {
        return entries.bypass(40000);
    }

    private PiTableEntry aclEntry() throws Exception {
        return entries.acl();
    }

    @Test
    public void bypassEntryIsExactWithoutPriorityAndEveryBytestringAsWideAsItsField() throws Exception {
        PiTableEntry pi = bypassEntry();
        TableEntry e = codec.tableEntry(pi);
        assertThat(e.getTableId(), is(BYPASS_TABLE_ID));
        assertThat("exact-match entries carry no priority", e.getPriority(), is(0));
        assertThat("the flow rule's id as cookie", e.getControllerMetadata(), is(pi.cookie()));
        assertThat(e.getMatchCount(), is(4));
        for (FieldMatch m : e.getMatchList()) {
            assertThat(m.getFieldMatchTypeCase(), is(FieldMatch.FieldMatchTypeCase.EXACT));
        }
        // Field ids 1-4: ipv4 src, ipv4 dst (32 bits), tcp src, tcp dst (16 bits).
        assertThat(e.getMatchList().stream().map(FieldMatch::getFieldId).sorted().collect(Collectors.toList()),
                   is(List.of(1, 2, 3, 4)));
        assertThat(exact(e, 1), is(ByteString.copyFrom(new byte[]{(byte) 198, 18, 0, 1})));
        assertThat(exact(e, 2).size(), is(4));
        assertThat(exact(e, 3), is(ByteString.copyFrom(new byte[]{(byte) 0x9c, 0x40})));
        assertThat(exact(e, 4), is(ByteString.copyFrom(new byte[]{0, 80})));
        assertThat(e.getAction().getAction().getActionId(), is(REWRITE_ID));
        // Params 1-15 in P4Info order: port 9 bits, two MACs, two IPv4, two ports, four deltas, two shifts, the
        // hand-off SEQ and the largest window.
        List<Integer> widths = e.getAction().getAction().getParamsList().stream()
                .sorted((a, b) -> Integer.compare(a.getParamId(), b.getParamId()))
                .map(p -> p.getValue().size()).collect(Collectors.toList());
        assertThat(widths, is(List.of(2, 6, 6, 4, 4, 2, 2, 4, 4, 4, 4, 1, 1, 4, 4)));
        ByteString seq = e.getAction().getAction().getParamsList().stream().filter(p -> p.getParamId() == 8)
                .findFirst().orElseThrow().getValue();
        assertThat("padded, not canonical: 0 bytes stay", seq,
                   is(ByteString.copyFrom(new byte[]{(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xf0})));
        ByteString shiftOut = e.getAction().getAction().getParamsList().stream().filter(p -> p.getParamId() == 13)
                .findFirst().orElseThrow().getValue();
        assertThat(shiftOut, is(ByteString.copyFrom(new byte[]{0})));
    }

    @Test
    public void aclEntryIsTernaryWithItsPriorityLargerWins() throws Exception {
        TableEntry e = codec.tableEntry(aclEntry());
        assertThat(e.getTableId(), is(ACL_TABLE_ID));
        assertThat("flow rule priority 10 + ONOS's minimum 1", e.getPriority(), is(11));
        assertThat(e.getMatchCount(), is(1));
        FieldMatch m = e.getMatch(0);
        assertThat(m.getFieldId(), is(3));
        assertThat(m.getTernary().getValue(), is(ByteString.copyFrom(MacAddress.valueOf("02:00:00:00:00:03").toBytes())));
        assertThat(m.getTernary().getMask(), is(ByteString.copyFrom(new byte[]{-1, -1, -1, -1, -1, -1})));
        assertThat(e.getAction().getAction().getActionId(), is(SET_EGRESS_PORT_ID));
        assertThat(e.getAction().getAction().getParams(0).getValue(), is(ByteString.copyFrom(new byte[]{0, 3})));
    }

    @Test
    public void keyForDeleteAndCounterReadCarriesMatchAndPriorityOnly() throws Exception {
        PiTableEntry acl = aclEntry();
        TableEntry key = codec.tableEntryKey(acl);
        assertThat(key.hasAction(), is(false));
        assertThat(key.getControllerMetadata(), is(0L));
        assertThat(key.getPriority(), is(11));
        assertEquals(codec.tableEntry(acl).getMatchList(), key.getMatchList());
    }

    @Test
    public void aValueNarrowerThanItsFieldIsRefusedAsOnosDoes() {
        PiTableEntry bad = PiTableEntry.builder().forTable(BYPASS_TABLE)
                .withMatchKey(PiMatchKey.builder().addFieldMatch(new PiExactFieldMatch(
                        HDR_IPV4_SRC, ImmutableByteSequence.copyFrom(new byte[]{1, 2, 3}))).build())
                .withAction(PiAction.builder().withId(BYPASS_REWRITE).build()).build();
        try {
            codec.tableEntry(bad);
            fail("a 3-byte IPv4 address was encoded");
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage(), is("wrong size for value of field match 'hdr.ipv4.src_addr' of table "
                                                  + "'ingress.bypass.bypass_table', expected 4 bytes, but found 3"));
        }
    }

    @Test
    public void cloneSessionHasOneReplicaToTheCpuPort() {
        CloneSessionEntry c = codec.cloneSession(BypassPipelineConstants.CPU_CLONE_SESSION_ID,
                                                 BypassPipelineConstants.CPU_PORT);
        assertThat(c.getSessionId(), is(99));
        assertThat(c.getReplicasCount(), is(1));
        assertThat(c.getReplicas(0).getEgressPort(), is(255));
        assertThat(c.getReplicas(0).getInstance(), is(0));
    }

    @Test
    public void packetInWithCanonicalMetadataReachesTheInterpreterAsItsPort() throws Exception {
        byte[] frame = new byte[60];
        // The server may send the canonical form: port 3 in one byte, the 7-bit pad as one zero byte.
        PacketIn in = PacketIn.newBuilder().setPayload(ByteString.copyFrom(frame))
                .addMetadata(PacketMetadata.newBuilder().setMetadataId(1).setValue(ByteString.copyFrom(new byte[]{3})))
                .addMetadata(PacketMetadata.newBuilder().setMetadataId(2).setValue(ByteString.copyFrom(new byte[]{0})))
                .build();
        PiPacketOperation op = codec.packetIn(in);
        assertThat(op.metadatas().size(), is(2));
        assertThat(op.metadatas().stream().filter(m -> m.id().id().equals("ingress_port")).findFirst()
                           .orElseThrow().value().size(), is(2));
        InboundPacket ip = interpreter.mapInboundPacket(op, DEVICE);
        assertEquals(new ConnectPoint(DEVICE, PortNumber.portNumber(3)), ip.receivedFrom());
        assertThat(ip.unparsed().remaining(), is(60));
    }

    @Test
    public void packetOutCarriesTheEgressPortByItsP4InfoId() throws Exception {
        byte[] frame = new byte[64];
        PiPacketOperation op = interpreter.mapOutboundPacket(new DefaultOutboundPacket(
                DEVICE, DefaultTrafficTreatment.builder().setOutput(PortNumber.portNumber(2)).build(),
                ByteBuffer.wrap(frame))).iterator().next();
        PacketOut out = codec.packetOut(op);
        assertThat(out.getPayload().size(), is(64));
        PacketMetadata egress = out.getMetadataList().stream().filter(m -> m.getMetadataId() == 1).findFirst()
                .orElseThrow();
        assertThat(egress.getValue(), is(ByteString.copyFrom(new byte[]{0, 2})));
    }

    @Test
    public void unknownNamesAreRefusedWithTheName() {
        try {
            p4Info.table("ingress.nope");
            fail("unknown table found");
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage(), containsString("'ingress.nope'"));
        }
    }

    private static ByteString exact(TableEntry e, int fieldId) {
        return e.getMatchList().stream().filter(m -> m.getFieldId() == fieldId).findFirst().orElseThrow()
                .getExact().getValue();
    }
}
