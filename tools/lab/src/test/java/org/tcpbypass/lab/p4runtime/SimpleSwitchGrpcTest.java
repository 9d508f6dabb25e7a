package org.tcpbypass.lab.p4runtime;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.onosproject.net.pi.runtime.PiCounterCellData;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.tcpbypass.lab.bmv2.SimpleSwitch;
import org.tcpbypass.lab.net.Shell;
import org.tcpbypass.pipeconf.BypassPipelineConstants;

import java.util.List;
import java.util.Map;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.fail;
import static org.junit.Assume.assumeTrue;

/**
 * BMv2's own P4Runtime server (simple_switch_grpc, started without ports) accepts the committed P4Info with the
 * committed JSON, and the entries the lab writes for a bypass and for forwarding: the checks no recording server
 * can make. Skips where simple_switch_grpc is not on PATH (CI has no BMv2).
 */
public class SimpleSwitchGrpcTest {

    private SimpleSwitch sw;
    private P4RuntimeSwitchControl control;
    private LabEntries entries;

    @Before
    public void setUp() throws Exception {
        assumeTrue("skipped: simple_switch_grpc is not on PATH (BMv2 built with its P4Runtime server)",
                   Shell.onPath("simple_switch_grpc"));
        assumeTrue("skipped: the pipeconf bundle carries no compiled pipeline yet", LabEntries.available());
        entries = new LabEntries();
        sw = SimpleSwitch.startGrpc(Map.of(), (int) BypassPipelineConstants.CPU_PORT);
        control = P4RuntimeSwitchControl.connect("127.0.0.1", sw.grpcPort(), SimpleSwitch.DEVICE_ID,
                                                 entries.p4Info(),
                                                 getClass().getResourceAsStream(LabEntries.BMV2_JSON).readAllBytes());
    }

    @After
    public void tearDown() {
        if (control != null) {
            control.close();
        }
        if (sw != null) {
            sw.close();
        }
    }

    @Test
    public void bmv2TakesABypassAndForwardingInOneWriteReadsTheirCountersAndDeletesThem() throws Exception {
        List<PiTableEntry> batch = List.of(entries.bypass(40000), entries.bypass(40001), entries.acl());
        control.insert(batch);
        List<PiCounterCellData> cells = control.directCounters(batch);
        assertThat(cells.size(), is(3));
        for (PiCounterCellData c : cells) {
            assertThat(c.packets(), is(0L));
            assertThat(c.bytes(), is(0L));
        }
        control.delete(batch);
        try {
            control.delete(List.of(entries.bypass(40000)));
            fail("a deleted entry was deleted again");
        } catch (P4RuntimeException e) {
            assertThat(e.getMessage(), containsString("update 0:"));
        }
    }

    @Test
    public void bmv2RefusesTheSameExactKeyTwice() throws Exception {
        control.insert(List.of(entries.bypass(40000)));
        try {
            control.insert(List.of(entries.bypass(40000)));
            fail("a duplicate exact key was inserted");
        } catch (P4RuntimeException e) {
            assertThat(e.getMessage(), containsString("update 0:"));
        }
    }

    @Test
    public void bmv2TakesTheCloneSessionToTheCpuPort() {
        control.addCloneSession(BypassPipelineConstants.CPU_CLONE_SESSION_ID, BypassPipelineConstants.CPU_PORT);
    }
}
