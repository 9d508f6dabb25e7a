package org.tcpbypass.impl;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.onosproject.net.flow.DefaultFlowEntry;
import org.onosproject.net.flow.FlowEntry;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.intent.FlowRuleIntent;
import org.onosproject.net.intent.Intent;
import org.onosproject.net.intent.IntentEvent;
import org.onosproject.net.intent.Key;
import org.onosproject.net.pi.runtime.PiCounterCell;
import org.onosproject.net.pi.runtime.PiCounterCellHandle;
import org.onosproject.net.pi.runtime.PiCounterCellId;
import org.onosproject.net.pi.runtime.PiHandle;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.onosproject.p4runtime.api.P4RuntimeReadClient;
import org.onosproject.store.service.TestStorageService;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassCounters;
import org.tcpbypass.api.BypassId;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.tcpbypass.api.BypassState.BYPASSED;
import static org.tcpbypass.api.BypassState.RELEASED;
import static org.tcpbypass.impl.TestData.APP_ID;
import static org.tcpbypass.impl.TestData.DEVICE;
import static org.tcpbypass.impl.TestData.request;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_TABLE;

/**
 * A released bypass's final counters come from the switch over P4Runtime where ONOS's P4Runtime client can read it
 * (ONOS's flow rule store trails the switch by up to a poll), otherwise from the store; its entries are withdrawn
 * only after that read, and a switch that does not answer does not hold them.
 */
public class SwitchCountersTest {

    @Rule
    public final ManagerHarness h = new ManagerHarness(new TestStorageService());
    private final FakeP4Runtime p4Runtime = new FakeP4Runtime(DEVICE, read -> answer(read, 12, 1200, 21, 31000));
    private Bypass bypass;
    private Intent intent;
    private List<FlowRule> rules;
    // The to-server entries' match keys of every bypass offloaded here: the switch's answer tells them apart.
    private final Set<PiMatchKey> toServerKeys = new HashSet<>();

    @Before
    public void setUp() {
        h.managementAddresses.put(DEVICE, "grpc://127.0.0.1:50001?device_id=7");
        h.manager.p4RuntimeController = p4Runtime.controller();
        h.manager.piTranslationService = FakeP4Runtime.TRANSLATION;
        bypass = h.manager.offload(request().build());
        intent = h.intents.getIntent(Key.of(bypass.id().toString(), APP_ID));
        h.intents.fire(IntentEvent.Type.INSTALLED, intent);
        h.drain();
        rules = new ArrayList<>(((FlowRuleIntent) intent).flowRules());
        toServerKeys.add(translated(rules.get(0)).matchKey());
        // The store's counters, as ONOS's last poll of the switch left them.
        h.flowEntries.add(new DefaultFlowEntry(rules.get(0), FlowEntry.FlowEntryState.ADDED, 1, 10, 1000));
        h.flowEntries.add(new DefaultFlowEntry(rules.get(1), FlowEntry.FlowEntryState.ADDED, 1, 20, 30000));
    }

    /** The switch's answer: the to-server entry's cell and the to-client entry's, table and match key only. */
    private CompletableFuture<P4RuntimeReadClient.ReadResponse> answer(FakeP4Runtime.Read read, long toServerPackets,
                                                                      long toServerBytes, long toClientPackets,
                                                                      long toClientBytes) {
        List<PiCounterCell> cells = new ArrayList<>();
        for (PiHandle handle : read.handles) {
            PiTableEntry asked = ((PiCounterCellHandle) handle).cellId().tableEntry();
            PiTableEntry asStored = PiTableEntry.builder().forTable(asked.table()).withMatchKey(asked.matchKey())
                    .build();
            boolean toServer = toServerKeys.contains(asked.matchKey());
            cells.add(new PiCounterCell(PiCounterCellId.ofDirect(asStored), toServer ? toServerPackets
                    : toClientPackets, toServer ? toServerBytes : toClientBytes));
        }
        return CompletableFuture.completedFuture(FakeP4Runtime.response(cells, null));
    }

    private static PiTableEntry translated(FlowRule rule) {
        try {
            return FakeP4Runtime.translate(rule);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private void assertReleasedWith(BypassCounters counters) {
        assertEquals(List.of(intent), h.intents.withdrawn);
        h.intents.fire(IntentEvent.Type.WITHDRAWN, intent);
        h.drain();
        Bypass b = h.manager.bypass(bypass.id()).orElseThrow();
        assertEquals(RELEASED, b.state());
        assertEquals(counters, b.counters());
    }

    // The device's management address gives no P4Runtime device id: the switch is not read, the store counts.
    private void assertReleasedFromTheStoreWithoutARead(String managementAddress) {
        h.managementAddresses.put(DEVICE, managementAddress);
        h.manager.release(bypass.id(), "released by test");
        assertTrue(p4Runtime.reads.isEmpty());
        assertReleasedWith(BypassCounters.of(10, 1000, 20, 30000));
    }

    @Test
    public void releaseReadsTheFinalCountersFromTheSwitchNotFromTheStore() {
        h.manager.release(bypass.id(), "released by test");
        assertEquals(1, p4Runtime.reads.size());
        FakeP4Runtime.Read read = p4Runtime.reads.get(0);
        assertEquals("the P4Runtime device id of the management address", 7, read.p4DeviceId);
        assertEquals(ManagerHarness.PIPECONF.id(), read.pipeconf.id());
        List<PiHandle> expected = List.of(
                PiCounterCellHandle.of(DEVICE, PiCounterCellId.ofDirect(translated(rules.get(0)))),
                PiCounterCellHandle.of(DEVICE, PiCounterCellId.ofDirect(translated(rules.get(1)))));
        assertEquals("one read of the two bypass-table entries' direct counters (not the guard entries)", expected,
                     read.handles);
        assertTrue(rules.subList(0, 2).stream().allMatch(r -> BYPASS_TABLE.equals(r.table())));
        assertReleasedWith(BypassCounters.of(12, 1200, 21, 31000));
    }

    @Test
    public void theEntriesStayUntilTheSwitchHasAnswered() {
        CompletableFuture<P4RuntimeReadClient.ReadResponse> pending = new CompletableFuture<>();
        p4Runtime.answer = read -> pending;
        Bypass answer = h.manager.release(bypass.id(), "released by test");
        assertEquals(BYPASSED, answer.state());
        assertTrue("withdrawn before the counters were read", h.intents.withdrawn.isEmpty());
        pending.complete(answer(p4Runtime.reads.get(0), 13, 1300, 22, 32000).join());
        assertReleasedWith(BypassCounters.of(13, 1300, 22, 32000));
    }

    @Test
    public void aFailedReadTakesTheStoreCounters() {
        p4Runtime.answer = read -> CompletableFuture.completedFuture(
                FakeP4Runtime.response(List.of(), "UNAVAILABLE: the switch went away"));
        h.manager.release(bypass.id(), "released by test");
        assertReleasedWith(BypassCounters.of(10, 1000, 20, 30000));
    }

    @Test
    public void anAnswerWithoutEveryCellTakesTheStoreCounters() {
        p4Runtime.answer = read -> {
            P4RuntimeReadClient.ReadResponse full = answer(read, 12, 1200, 21, 31000).join();
            return CompletableFuture.completedFuture(FakeP4Runtime.response(
                    List.of(full.all(PiCounterCell.class).iterator().next()), null));
        };
        h.manager.release(bypass.id(), "released by test");
        assertReleasedWith(BypassCounters.of(10, 1000, 20, 30000));
    }

    @Test
    public void aSwitchWithoutAP4RuntimeDeviceIdIsNotRead() {
        assertReleasedFromTheStoreWithoutARead("grpc://127.0.0.1:50001");
    }

    @Test
    public void aDeviceIdThatIsNotANumberIsNotRead() {
        assertReleasedFromTheStoreWithoutARead("grpc://127.0.0.1:50001?device_id=s1");
    }

    @Test
    public void aManagementAddressThatIsNotAUriIsNotRead() {
        assertReleasedFromTheStoreWithoutARead("grpc://127.0.0.1:50001 ?device_id=7");
    }

    @Test
    public void withoutP4RuntimeTheStoreCountersAreTaken() {
        h.manager.p4RuntimeController = null;
        h.manager.release(bypass.id(), "released by test");
        assertReleasedWith(BypassCounters.of(10, 1000, 20, 30000));
    }

    @Test
    public void aSwitchThatDoesNotAnswerHoldsTheReleaseForOneSecond() throws Exception {
        p4Runtime.answer = read -> new CompletableFuture<>();
        long start = System.nanoTime();
        h.manager.release(bypass.id(), "released by test");
        awaitWithdrawal();
        long held = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue("held " + held + " ms", held >= 1000 && held < 10_000);
        assertReleasedWith(BypassCounters.of(10, 1000, 20, 30000));
    }

    /** Offloads the n-th test connection and installs its bypass; returns its intent. */
    private Intent bypassed(int n) {
        Bypass b = h.manager.offload(request().tuple(TestData.tuple(n)).build());
        Intent i = h.intents.getIntent(Key.of(b.id().toString(), APP_ID));
        h.intents.fire(IntentEvent.Type.INSTALLED, i);
        h.drain();
        toServerKeys.add(translated(((FlowRuleIntent) i).flowRules().iterator().next()).matchKey());
        return i;
    }

    private void assertReleasedFromTheSwitch(List<Intent> intents, long toServerPackets) {
        assertEquals(intents, h.intents.withdrawn);
        intents.forEach(i -> h.intents.fire(IntentEvent.Type.WITHDRAWN, i));
        h.drain();
        for (Intent i : intents) {
            Bypass b = h.manager.bypass(BypassId.valueOf(i.key().toString())).orElseThrow();
            assertEquals(RELEASED, b.state());
            assertEquals("counted by the switch", BypassCounters.of(toServerPackets, toServerPackets * 100, 22, 32000),
                         b.counters());
        }
    }

    private CompletableFuture<P4RuntimeReadClient.ReadResponse> answer(FakeP4Runtime.Read read) {
        return answer(read, 13, 1300, 22, 32000);
    }

    /** Releases the test's bypass with its counter read left unanswered; returns that read's answer to complete. */
    private CompletableFuture<P4RuntimeReadClient.ReadResponse> releaseWithReadHeld() {
        CompletableFuture<P4RuntimeReadClient.ReadResponse> held = new CompletableFuture<>();
        p4Runtime.answer = read -> held;
        h.manager.release(bypass.id(), "released by test");
        return held;
    }

    private void release(Intent i) {
        h.manager.release(BypassId.valueOf(i.key().toString()), "released by test");
    }

    /** Waits up to 10 s for the release to withdraw its intent. */
    private void awaitWithdrawal() throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (h.intents.withdrawn.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    @Test
    public void releasesMadeWhileAReadIsUnderWayGoToTheSwitchTogetherInTheNextRead() {
        CompletableFuture<P4RuntimeReadClient.ReadResponse> first = releaseWithReadHeld();
        Intent second = bypassed(1);
        Intent third = bypassed(2);
        p4Runtime.answer = this::answer;
        release(second);
        release(third);
        assertEquals("one read under way at a time", 1, p4Runtime.reads.size());
        assertTrue(h.intents.withdrawn.isEmpty());

        first.complete(answer(p4Runtime.reads.get(0)).join());
        assertEquals(2, p4Runtime.reads.size());
        List<PiHandle> together = new ArrayList<>();
        for (Intent i : List.of(second, third)) {
            for (FlowRule r : ((FlowRuleIntent) i).flowRules()) {
                if (BYPASS_TABLE.equals(r.table())) {
                    together.add(PiCounterCellHandle.of(DEVICE, PiCounterCellId.ofDirect(translated(r))));
                }
            }
        }
        assertEquals("the two waiting releases' four cells in one read", together, p4Runtime.reads.get(1).handles);
        assertReleasedFromTheSwitch(List.of(intent, second, third), 13);
    }

    @Test
    public void aFailedReadOfSeveralReleasesIsAskedAgainForEachAlone() {
        CompletableFuture<P4RuntimeReadClient.ReadResponse> first = releaseWithReadHeld();
        Intent second = bypassed(1);
        Intent third = bypassed(2);
        // The switch refuses a read that names more than one bypass's entries, as it would one whose entry is gone.
        p4Runtime.answer = read -> read.handles.size() > 2 ? CompletableFuture.completedFuture(
                FakeP4Runtime.response(List.of(), "NOT_FOUND: an entry of the read is gone")) : answer(read);
        release(second);
        release(third);
        first.complete(answer(p4Runtime.reads.get(0)).join());

        assertEquals(List.of(2, 4, 2, 2), p4Runtime.reads.stream().map(r -> r.handles.size())
                .collect(Collectors.toList()));
        assertReleasedFromTheSwitch(List.of(intent, second, third), 13);
    }

    @Test
    public void aReadTheSwitchNeverAnswersDoesNotHoldTheReadsAfterIt() throws Exception {
        p4Runtime.answer = read -> new CompletableFuture<>();
        h.manager.release(bypass.id(), "released by test");
        awaitWithdrawal();
        assertReleasedWith(BypassCounters.of(10, 1000, 20, 30000));

        Intent next = bypassed(1);
        p4Runtime.answer = this::answer;
        h.intents.withdrawn.clear();
        release(next);
        assertEquals("the next release reads the switch at once", 2, p4Runtime.reads.size());
        assertReleasedFromTheSwitch(List.of(next), 13);
    }
}
