package org.tcpbypass.impl;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.onosproject.net.DeviceId;
import org.onosproject.net.pi.runtime.PiCounterCell;
import org.onosproject.net.pi.runtime.PiCounterCellHandle;
import org.onosproject.net.pi.runtime.PiCounterCellId;
import org.onosproject.net.pi.runtime.PiHandle;
import org.onosproject.p4runtime.api.P4RuntimeReadClient;
import org.onosproject.store.service.TestStorageService;
import org.tcpbypass.api.BypassStatistics;
import org.tcpbypass.api.SwitchAnomaly;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.tcpbypass.impl.TestData.DEVICE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ANOMALY_BLIND_CLOSE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ANOMALY_COUNTER;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ANOMALY_FRAGMENT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ANOMALY_IPV4_OPTIONS;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ANOMALY_REASONS;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ANOMALY_TCP_OPTIONS;

/**
 * The statistics carry the anomaly counter of the registered proxies' switches, read over P4Runtime in one request
 * per switch when they are asked for; a switch that cannot be read is named, never counted as zero.
 */
public class SwitchAnomaliesTest {

    private static final DeviceId S2 = DeviceId.deviceId("device:bmv2:s2");

    @Rule
    public final ManagerHarness h = new ManagerHarness(new TestStorageService());
    private final FakeP4Runtime p4Runtime = new FakeP4Runtime(DEVICE, read -> answer(read, 0));

    @Before
    public void setUp() {
        h.managementAddresses.put(DEVICE, "grpc://127.0.0.1:50001?device_id=7");
        h.manager.p4RuntimeController = p4Runtime.controller();
        h.manager.piTranslationService = FakeP4Runtime.TRANSLATION;
    }

    /** The switch's cells: index i counted 10 * (i + 1) + {@code plus} packets; cell {@code missing} left out. */
    private static CompletableFuture<P4RuntimeReadClient.ReadResponse> answer(FakeP4Runtime.Read read, int plus,
                                                                             int... missing) {
        List<PiCounterCell> cells = new ArrayList<>();
        for (PiHandle handle : read.handles) {
            PiCounterCellId id = ((PiCounterCellHandle) handle).cellId();
            if (missing.length == 0 || missing[0] != id.index()) {
                cells.add(new PiCounterCell(id, 10 * (id.index() + 1) + plus, 999));
            }
        }
        return CompletableFuture.completedFuture(FakeP4Runtime.response(cells, null));
    }

    @Test
    public void readsEveryAnomalyCellOfTheSwitchInOneRequest() {
        BypassStatistics s = h.manager.statistics();
        assertEquals(1, p4Runtime.reads.size());
        FakeP4Runtime.Read read = p4Runtime.reads.get(0);
        assertEquals(7, read.p4DeviceId);
        List<PiHandle> expected = new ArrayList<>();
        for (int i = 0; i < ANOMALY_REASONS; i++) {
            expected.add(PiCounterCellHandle.of(DEVICE, PiCounterCellId.ofIndirect(ANOMALY_COUNTER, i)));
        }
        assertEquals(expected, read.handles);
        assertEquals("each kind from its own cell, packets not bytes",
                     Map.of(SwitchAnomaly.FRAGMENT, 10L * (ANOMALY_FRAGMENT + 1),
                            SwitchAnomaly.IPV4_OPTIONS, 10L * (ANOMALY_IPV4_OPTIONS + 1),
                            SwitchAnomaly.TCP_OPTIONS, 10L * (ANOMALY_TCP_OPTIONS + 1),
                            SwitchAnomaly.BLIND_CLOSE, 10L * (ANOMALY_BLIND_CLOSE + 1)),
                     s.switchAnomalies());
        assertEquals(Set.of(), s.switchesUnread());
    }

    @Test
    public void readsAgainForEveryRequest() {
        h.manager.statistics();
        p4Runtime.answer = read -> answer(read, 5);
        assertEquals(45L, (long) h.manager.statistics().switchAnomalies().get(SwitchAnomaly.BLIND_CLOSE));
        assertEquals(2, p4Runtime.reads.size());
    }

    @Test
    public void aSwitchThatCannotBeReadIsNamedAndLeftOutOfTheSums() {
        h.reconfigure("{'proxies': [" + BypassConfigTest.PROXY_JSON + ", {'name': 'proxy2', 'ip': '198.18.1.2',"
                              + " 'vips': ['198.18.1.100'], 'mac': '00:00:00:00:01:02',"
                              + " 'connectPoint': 'device:bmv2:s2/4'}]}");
        BypassStatistics s = h.manager.statistics();
        assertEquals("s2 has no P4Runtime client", Set.of(S2), s.switchesUnread());
        assertEquals(40L, (long) s.switchAnomalies().get(SwitchAnomaly.BLIND_CLOSE));
    }

    @Test
    public void aFailedReadMissingCellsOrNoDeviceIdLeaveTheSwitchUnread() {
        p4Runtime.answer = read -> CompletableFuture.completedFuture(FakeP4Runtime.response(List.of(), "UNAVAILABLE"));
        assertUnread();
        p4Runtime.answer = read -> answer(read, 0, ANOMALY_BLIND_CLOSE);
        assertUnread();
        p4Runtime.answer = read -> answer(read, 0);
        h.managementAddresses.put(DEVICE, "grpc://127.0.0.1:50001");
        assertUnread();
    }

    @Test
    public void aSwitchThatDoesNotAnswerIsUnreadAfterTheTimeout() {
        p4Runtime.answer = read -> new CompletableFuture<>();
        long start = System.nanoTime();
        assertUnread();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertTrue("waited " + millis + " ms", millis >= 900 && millis < 5_000);
    }

    private void assertUnread() {
        BypassStatistics s = h.manager.statistics();
        assertEquals(Set.of(DEVICE), s.switchesUnread());
        assertTrue(s.switchAnomalies().values().stream().allMatch(v -> v == 0));
        assertEquals(SwitchAnomaly.values().length, s.switchAnomalies().size());
    }
}
