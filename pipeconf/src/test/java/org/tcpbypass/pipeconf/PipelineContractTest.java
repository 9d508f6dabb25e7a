package org.tcpbypass.pipeconf;

import org.junit.BeforeClass;
import org.junit.Test;
import org.onosproject.net.pi.model.PiActionId;
import org.onosproject.net.pi.model.PiActionModel;
import org.onosproject.net.pi.model.PiActionParamId;
import org.onosproject.net.pi.model.PiCounterId;
import org.onosproject.net.pi.model.PiCounterModel;
import org.onosproject.net.pi.model.PiCounterType;
import org.onosproject.net.pi.model.PiMatchFieldId;
import org.onosproject.net.pi.model.PiMatchFieldModel;
import org.onosproject.net.pi.model.PiMatchType;
import org.onosproject.net.pi.model.PiPacketMetadataId;
import org.onosproject.net.pi.model.PiPacketMetadataModel;
import org.onosproject.net.pi.model.PiPacketOperationType;
import org.onosproject.net.pi.model.PiPipelineModel;
import org.onosproject.net.pi.model.PiRegisterModel;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.model.PiTableModel;
import org.onosproject.p4runtime.model.P4InfoParser;

import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.*;

/**
 * The committed P4Info, parsed by ONOS 2.7's own parser, holds every name of BypassPipelineConstants with the
 * width the Java code assumes.
 */
public class PipelineContractTest {

    private static PiPipelineModel model;

    @BeforeClass
    public static void parseCommittedP4Info() throws Exception {
        model = P4InfoParser.parse(PipeconfLoader.class.getResource(PipeconfLoader.P4INFO_PATH));
    }

    @Test
    public void aclTableMatchesOnTheStandardFieldsTernary() {
        Map<PiMatchFieldId, Integer> fields = Map.of(
                HDR_IN_PORT, PORT_BITS, HDR_ETH_SRC, MAC_BITS, HDR_ETH_DST, MAC_BITS, HDR_ETH_TYPE, 16,
                HDR_IPV4_SRC, IPV4_BITS, HDR_IPV4_DST, IPV4_BITS, HDR_IP_PROTO, 8,
                HDR_L4_SRC, L4_PORT_BITS, HDR_L4_DST, L4_PORT_BITS);
        fields.forEach((field, width) -> assertField(ACL_TABLE, field, width, PiMatchType.TERNARY));
        assertField(ACL_TABLE, HDR_TCP_SRC, L4_PORT_BITS, PiMatchType.TERNARY);
        assertField(ACL_TABLE, HDR_TCP_DST, L4_PORT_BITS, PiMatchType.TERNARY);
        assertThat(table(ACL_TABLE).matchFields().size(), is(fields.size() + 2));
    }

    @Test
    public void aclTableActions() {
        assertParam(ACL_TABLE, ACL_SET_EGRESS_PORT, PORT, PORT_BITS);
        assertThat(action(ACL_TABLE, ACL_SET_EGRESS_PORT).params().size(), is(1));
        assertThat(action(ACL_TABLE, ACL_PUNT_TO_CPU).params().size(), is(0));
        assertThat(action(ACL_TABLE, ACL_DROP).params().size(), is(0));
    }

    @Test
    public void bypassGuardHasTheBypassTablesKeyAndActionWithoutACounter() {
        assertThat(List.copyOf(table(BYPASS_GUARD).matchFields()), is(List.copyOf(table(BYPASS_TABLE).matchFields())));
        assertThat(table(BYPASS_GUARD).action(BYPASS_REWRITE), is(table(BYPASS_TABLE).action(BYPASS_REWRITE)));
        assertThat(table(BYPASS_GUARD).actions().size(), is(table(BYPASS_TABLE).actions().size()));
        assertTrue(table(BYPASS_GUARD).counters().isEmpty());
        assertThat(table(BYPASS_GUARD).maxSize(), is(table(BYPASS_TABLE).maxSize()));
    }

    @Test
    public void bypassTableMatchesTheConnectionExactly() {
        assertField(BYPASS_TABLE, HDR_IPV4_SRC, IPV4_BITS, PiMatchType.EXACT);
        assertField(BYPASS_TABLE, HDR_IPV4_DST, IPV4_BITS, PiMatchType.EXACT);
        assertField(BYPASS_TABLE, HDR_TCP_SRC, L4_PORT_BITS, PiMatchType.EXACT);
        assertField(BYPASS_TABLE, HDR_TCP_DST, L4_PORT_BITS, PiMatchType.EXACT);
        assertThat(table(BYPASS_TABLE).matchFields().size(), is(4));
    }

    @Test
    public void bypassRewriteParameters() {
        Map<PiActionParamId, Integer> params = Map.ofEntries(
                Map.entry(PORT, PORT_BITS), Map.entry(ETH_SRC, MAC_BITS), Map.entry(ETH_DST, MAC_BITS),
                Map.entry(IP_SRC, IPV4_BITS), Map.entry(IP_DST, IPV4_BITS),
                Map.entry(SRC_PORT, L4_PORT_BITS), Map.entry(DST_PORT, L4_PORT_BITS),
                Map.entry(SEQ_DELTA, SEQ_BITS), Map.entry(ACK_DELTA, SEQ_BITS),
                Map.entry(TSVAL_DELTA, SEQ_BITS), Map.entry(TSECR_DELTA, SEQ_BITS),
                Map.entry(WIN_SHIFT_IN, SHIFT_BITS), Map.entry(WIN_SHIFT_OUT, SHIFT_BITS),
                Map.entry(HANDOFF_SEQ, SEQ_BITS), Map.entry(MAX_WINDOW, SEQ_BITS));
        params.forEach((param, width) -> assertParam(BYPASS_TABLE, BYPASS_REWRITE, param, width));
        assertThat(action(BYPASS_TABLE, BYPASS_REWRITE).params().size(), is(params.size()));
    }

    @Test
    public void directCounters() {
        assertDirectCounter(ACL_COUNTER, ACL_TABLE);
        assertDirectCounter(BYPASS_COUNTER, BYPASS_TABLE);
    }

    @Test
    public void anomalyCounterHasOneCellPerReason() {
        PiCounterModel counter = model.counter(ANOMALY_COUNTER)
                .orElseThrow(() -> new AssertionError("no counter " + ANOMALY_COUNTER));
        assertThat(counter.counterType(), is(PiCounterType.INDIRECT));
        assertThat(counter.size(), is((long) ANOMALY_REASONS));
        assertThat(ANOMALY_BLIND_CLOSE, is(ANOMALY_REASONS - 1));
    }

    @Test
    public void ackSeenRegisterHasTheDeclaredCells() {
        PiRegisterModel register = model.register(ACK_SEEN)
                .orElseThrow(() -> new AssertionError("no register " + ACK_SEEN));
        assertThat(register.size(), is((long) ACK_SEEN_CELLS));
    }

    @Test
    public void handshakeRegisterHasTheDeclaredCells() {
        PiRegisterModel register = model.register(HANDSHAKE)
                .orElseThrow(() -> new AssertionError("no register " + HANDSHAKE));
        assertThat(register.size(), is((long) HANDSHAKE_CELLS));
    }

    @Test
    public void packetIoMetadata() {
        assertMetadata(PiPacketOperationType.PACKET_IN, PKT_IN_INGRESS_PORT, PORT_BITS);
        assertMetadata(PiPacketOperationType.PACKET_IN, PKT_PADDING, PKT_IN_PADDING_BITS);
        assertMetadata(PiPacketOperationType.PACKET_OUT, PKT_OUT_EGRESS_PORT, PORT_BITS);
        assertMetadata(PiPacketOperationType.PACKET_OUT, PKT_OUT_THROUGH_PIPELINE, 1);
        assertMetadata(PiPacketOperationType.PACKET_OUT, PKT_PADDING, PKT_OUT_PADDING_BITS);
    }

    private static PiTableModel table(PiTableId id) {
        return model.table(id).orElseThrow(() -> new AssertionError("no table " + id));
    }

    private static PiActionModel action(PiTableId table, PiActionId id) {
        return table(table).action(id).orElseThrow(() -> new AssertionError("no action " + id + " in " + table));
    }

    private static void assertField(PiTableId table, PiMatchFieldId id, int width, PiMatchType type) {
        PiMatchFieldModel field = table(table).matchField(id)
                .orElseThrow(() -> new AssertionError("no match field " + id + " in " + table));
        assertThat(id + " width", field.bitWidth(), is(width));
        assertThat(id + " match type", field.matchType(), is(type));
    }

    private static void assertParam(PiTableId table, PiActionId actionId, PiActionParamId id, int width) {
        var param = action(table, actionId).param(id)
                .orElseThrow(() -> new AssertionError("no parameter " + id + " in " + actionId));
        assertThat(actionId + "." + id + " width", param.bitWidth(), is(width));
    }

    private static void assertDirectCounter(PiCounterId id, PiTableId table) {
        PiCounterModel counter = model.counter(id).orElseThrow(() -> new AssertionError("no counter " + id));
        assertThat(counter.counterType(), is(PiCounterType.DIRECT));
        assertThat(counter.table(), is(table));
        assertTrue(table(table).counters().contains(counter));
    }

    private static void assertMetadata(PiPacketOperationType type, PiPacketMetadataId id, int width) {
        PiPacketMetadataModel metadata = model.packetOperationModel(type)
                .orElseThrow(() -> new AssertionError("no " + type)).metadatas().stream()
                .filter(m -> m.id().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " metadata " + id));
        assertThat(type + "." + id + " width", metadata.bitWidth(), is(width));
    }
}
