package org.tcpbypass.lab.p4runtime;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.onosproject.net.PortNumber;
import org.onosproject.net.flow.DefaultTrafficTreatment;
import org.onosproject.net.packet.DefaultOutboundPacket;
import org.onosproject.net.pi.runtime.PiCounterCellData;
import org.onosproject.net.pi.runtime.PiPacketOperation;
import org.onosproject.net.pi.runtime.PiTableEntry;
import p4.v1.P4RuntimeOuterClass.SetForwardingPipelineConfigRequest;
import p4.v1.P4RuntimeOuterClass.Update;
import p4.v1.P4RuntimeOuterClass.WriteRequest;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.fail;
import static org.junit.Assume.assumeTrue;

/**
 * The lab's P4Runtime path against a recording P4Runtime server over real gRPC (netty, loopback): what reaches a
 * switch for a pipeline push, a bypass's writes and deletes, a counter read, the clone session and packet I/O.
 */
public class P4RuntimeSwitchControlTest {

    private RecordingP4RuntimeServer server;
    private P4RuntimeSwitchControl control;
    private LabEntries entries;
    private byte[] json;

    @Before
    public void setUp() throws Exception {
        assumeTrue("skipped: the pipeconf bundle carries no compiled pipeline yet", LabEntries.available());
        entries = new LabEntries();
        json = getClass().getResourceAsStream(LabEntries.BMV2_JSON).readAllBytes();
        server = new RecordingP4RuntimeServer();
        control = P4RuntimeSwitchControl.connect("127.0.0.1", server.port(), 1, entries.p4Info(), json);
    }

    @After
    public void tearDown() {
        if (control != null) {
            control.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    public void connectBecomesPrimaryThenCommitsTheCommittedPipeline() {
        assertThat(server.arbitrations.size(), is(1));
        assertThat(server.arbitrations.get(0).getDeviceId(), is(1L));
        assertThat(server.arbitrations.get(0).getElectionId().getLow(), is(1L));
        assertThat(server.pipelines.size(), is(1));
        SetForwardingPipelineConfigRequest p = server.pipelines.get(0);
        assertThat(p.getAction(), is(SetForwardingPipelineConfigRequest.Action.VERIFY_AND_COMMIT));
        assertThat(p.getElectionId().getLow(), is(1L));
        assertEquals(entries.p4Info().p4Info(), p.getConfig().getP4Info());
        assertThat(p.getConfig().getP4DeviceConfig().toByteArray(), is(json));
        assertThat(control.path(), is("p4runtime"));
    }

    @Test
    public void aBypassIsOneWriteOfTwoInsertsAndOneWriteOfTwoDeletes() throws Exception {
        List<PiTableEntry> bypass = List.of(entries.bypass(40000), entries.bypass(40001));
        control.insert(bypass);
        control.delete(bypass);
        assertThat(server.writes.size(), is(2));
        WriteRequest insert = server.writes.get(0);
        assertThat(insert.getDeviceId(), is(1L));
        assertThat(insert.getElectionId().getLow(), is(1L));
        assertThat(insert.getUpdatesCount(), is(2));
        for (Update u : insert.getUpdatesList()) {
            assertThat(u.getType(), is(Update.Type.INSERT));
            assertThat(u.getEntity().getTableEntry().getAction().getAction().getParamsCount(), is(15));
        }
        WriteRequest delete = server.writes.get(1);
        assertThat(delete.getUpdatesCount(), is(2));
        for (Update u : delete.getUpdatesList()) {
            assertThat(u.getType(), is(Update.Type.DELETE));
            assertThat("a delete carries the key only", u.getEntity().getTableEntry().hasAction(), is(false));
        }
        assertEquals(insert.getUpdates(1).getEntity().getTableEntry().getMatchList(),
                     delete.getUpdates(1).getEntity().getTableEntry().getMatchList());
    }

    @Test
    public void directCountersOfSeveralEntriesAreOneReadInEntryOrder() throws Exception {
        List<PiTableEntry> bypass = List.of(entries.bypass(40000), entries.bypass(40001));
        List<PiCounterCellData> cells = control.directCounters(bypass);
        assertThat(cells.size(), is(2));
        assertThat(cells.get(1).packets(), is(RecordingP4RuntimeServer.PACKETS));
        assertThat(cells.get(1).bytes(), is(RecordingP4RuntimeServer.BYTES));
        assertThat(server.reads.size(), is(1));
        assertThat(server.reads.get(0).getDeviceId(), is(1L));
        PiEntityCodec codec = new PiEntityCodec(entries.p4Info());
        assertEquals(codec.tableEntryKey(bypass.get(0)),
                     server.reads.get(0).getEntities(0).getDirectCounterEntry().getTableEntry());
        assertEquals(codec.tableEntryKey(bypass.get(1)),
                     server.reads.get(0).getEntities(1).getDirectCounterEntry().getTableEntry());
    }

    @Test
    public void cloneSessionIsAPacketReplicationEngineInsert() {
        control.addCloneSession(99, 255);
        Update u = server.writes.get(0).getUpdates(0);
        assertThat(u.getType(), is(Update.Type.INSERT));
        assertThat(u.getEntity().getPacketReplicationEngineEntry().getCloneSessionEntry().getSessionId(), is(99));
        assertThat(u.getEntity().getPacketReplicationEngineEntry().getCloneSessionEntry().getReplicas(0)
                           .getEgressPort(), is(255));
    }

    @Test
    public void packetOutAndPacketInTravelOnTheStreamChannel() throws Exception {
        BlockingQueue<PiPacketOperation> in = new ArrayBlockingQueue<>(1);
        control.onPacketIn(in::add);
        PiPacketOperation out = entries.interpreter().mapOutboundPacket(new DefaultOutboundPacket(
                LabEntries.DEVICE, DefaultTrafficTreatment.builder().setOutput(PortNumber.portNumber(2)).build(),
                ByteBuffer.wrap(new byte[60]))).iterator().next();
        control.packetOut(out);
        // The recording server echoes the packet-out's metadata as packet-in metadata with the same ids.
        PiPacketOperation echoed = in.poll(10, TimeUnit.SECONDS);
        assertNotNull("no packet-in within 10 s", echoed);
        assertThat(echoed.data().size(), is(60));
        assertThat(echoed.metadatas().stream().filter(m -> m.id().id().equals("ingress_port")).findFirst()
                           .orElseThrow().value().asArray(), is(new byte[]{0, 2}));
    }

    @Test
    public void aRefusedUpdateIsNamedWithTheServersWords() {
        try {
            // Table id 0 is what the recording server refuses; the codec never writes it, so send it raw.
            P4RuntimeClient raw = P4RuntimeClient.connect("127.0.0.1", server.port(), 1, 2);
            try {
                raw.write(List.of(Update.newBuilder().setType(Update.Type.INSERT).setEntity(
                        p4.v1.P4RuntimeOuterClass.Entity.newBuilder().setTableEntry(
                                p4.v1.P4RuntimeOuterClass.TableEntry.newBuilder().setTableId(0))).build()));
                fail("refused write reported success");
            } finally {
                raw.close();
            }
        } catch (P4RuntimeException e) {
            assertThat(e.getMessage(), containsString("update 0: Invalid table id"));
        }
    }
}
