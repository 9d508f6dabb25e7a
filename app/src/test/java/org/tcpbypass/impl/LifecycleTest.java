package org.tcpbypass.impl;

import org.junit.Rule;
import org.junit.Test;
import org.onosproject.core.DefaultApplicationId;
import org.onosproject.net.flow.DefaultFlowEntry;
import org.onosproject.net.flow.FlowEntry;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.intent.FlowRuleIntent;
import org.onosproject.net.intent.Intent;
import org.onosproject.net.intent.IntentEvent;
import org.onosproject.net.intent.IntentState;
import org.onosproject.net.intent.Key;
import org.onosproject.store.service.TestStorageService;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.ConnectionReport;
import org.tcpbypass.api.StateChange;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.tcpbypass.api.BypassState.BYPASSED;
import static org.tcpbypass.api.BypassState.FAILED;
import static org.tcpbypass.api.BypassState.OFFLOADING;
import static org.tcpbypass.api.BypassState.PROXIED;
import static org.tcpbypass.api.BypassState.RELEASED;
import static org.tcpbypass.impl.TestData.APP_ID;
import static org.tcpbypass.impl.TestData.CLIENT_AT;
import static org.tcpbypass.impl.TestData.PROXY_MAC;
import static org.tcpbypass.impl.TestData.SERVER_AT;
import static org.tcpbypass.impl.TestData.TUPLE;
import static org.tcpbypass.impl.TestData.request;
import static org.tcpbypass.impl.TestData.tuple;

/**
 * The app's life cycle: deactivation leaves no live record, intent or flow rule; an instance shutting down leaves
 * everything to the cluster; activation reconciles what a previous activation left; OFFLOADING times out.
 */
public class LifecycleTest {

    @Rule
    public final ManagerHarness h = new ManagerHarness(new TestStorageService());

    private Intent intentOf(Bypass b) {
        return h.intents.getIntent(BypassIntentCompiler.key(APP_ID, b.id()));
    }

    private Bypass record(Bypass b) {
        return h.manager.bypass(b.id()).orElseThrow();
    }

    private Bypass bypassed(int n) {
        Bypass b = h.manager.offload(request().tuple(tuple(n)).build());
        h.intents.fire(IntentEvent.Type.INSTALLED, intentOf(b));
        h.drain();
        assertEquals(BYPASSED, record(b).state());
        return b;
    }

    // The switch's entries of a bypass, as the flow subsystem reports them.
    private void onSwitch(Bypass b) {
        for (FlowRule rule : ((FlowRuleIntent) intentOf(b)).flowRules()) {
            h.flowEntries.add(new DefaultFlowEntry(rule, FlowEntry.FlowEntryState.ADDED, 1, 0, 0));
        }
    }

    private static void assertEnded(Bypass b, Object state, String reason) {
        assertEquals(state, b.state());
        assertEquals(reason, b.reason());
    }

    @Test
    public void deactivationEndsRecordsWithdrawsIntentsAndRemovesFlows() throws Exception {
        Bypass bypassed = bypassed(1);
        onSwitch(bypassed);
        Bypass offloading = h.manager.offload(request().tuple(tuple(2)).build());
        h.manager.report(ConnectionReport.of("proxy1", List.of(tuple(3)), List.of()));
        Bypass proxied = h.manager.bypasses().stream().filter(b -> b.state() == PROXIED).findFirst().orElseThrow();
        CompletableFuture<Bypass> waiting = h.manager.settled(offloading.id());

        h.deactivateApp();

        assertEnded(record(bypassed), RELEASED, BypassManager.APP_DEACTIVATED);
        assertEnded(record(offloading), FAILED, BypassManager.APP_DEACTIVATED);
        assertEnded(record(proxied), RELEASED, BypassManager.APP_DEACTIVATED);
        assertEquals("a waiting proxy hears the failure", FAILED, waiting.getNow(null).state());
        assertEquals(Set.of(intentOf(bypassed), intentOf(offloading)), Set.copyOf(h.intents.withdrawn));
        assertEquals(List.of(APP_ID), h.flowRulesRemovedFor);
        assertTrue("nothing left on the switch", h.flowEntries.isEmpty());
        assertTrue("legs freed", h.store.liveByLeg(tuple(1).client(), tuple(1).vip()).isEmpty());
        assertNull("packet processor removed", h.processor);

        // ONOS finishes the withdrawals while the app is gone; the next activation purges them.
        h.intents.setState(intentOf(bypassed), IntentState.WITHDRAWN);
        h.intents.setState(intentOf(offloading), IntentState.WITHDRAWN);
        h.activateApp();
        assertTrue("old intents purged", h.intents.intents.isEmpty());
        assertEquals(2, h.intents.purged.size());
        Bypass again = h.manager.offload(request().tuple(tuple(1)).build());
        assertEquals("the same connection offloads again, no 409", OFFLOADING, again.state());
    }

    @Test
    public void instanceShutdownLeavesTheBypassesToTheCluster() {
        Bypass bypassed = bypassed(1);
        onSwitch(bypassed);
        h.manager.deactivate();
        assertEquals(BYPASSED, record(bypassed).state());
        assertTrue(h.intents.withdrawn.isEmpty());
        assertTrue(h.flowRulesRemovedFor.isEmpty());
        assertEquals(4, h.flowEntries.size());
        h.activateApp();
        assertEquals(BYPASSED, record(bypassed).state());
        assertTrue(h.intents.withdrawn.isEmpty());
    }

    @Test
    public void activationReconcilesWhatAPreviousActivationLeft() {
        Bypass kept = bypassed(1);
        Bypass installedUnseen = h.manager.offload(request().tuple(tuple(2)).build());
        Bypass intentLost = bypassed(3);
        onSwitch(intentLost);
        Bypass stillOffloading = h.manager.offload(request().tuple(tuple(5)).build());
        Bypass releasedUnseen = h.manager.offload(request().tuple(tuple(7)).build());
        h.manager.release(releasedUnseen.id(), "released by proxy", OFFLOADING);
        h.intents.withdrawn.clear();
        h.manager.deactivate(); // an instance going down: ACTIVE app, nothing cleaned

        // Meanwhile: an INSTALLED event nobody heard, an intent gone, intents of records that no longer exist.
        h.intents.setState(intentOf(installedUnseen), IntentState.INSTALLED);
        h.intents.setState(intentOf(releasedUnseen), IntentState.INSTALLED);
        h.intents.purge(intentOf(intentLost));
        Bypass gone = Bypass.offloading(BypassId.of(900), "proxy1", TestData.DEVICE, tuple(4),
                                        kept.translation().orElseThrow(), 5);
        FlowRuleIntent orphan = BypassIntentCompiler.compile(APP_ID, gone, CLIENT_AT, SERVER_AT, PROXY_MAC);
        h.intents.submit(orphan);
        h.intents.setState(orphan, IntentState.INSTALLED);
        FlowRuleIntent withdrawnOrphan = BypassIntentCompiler.compile(
                APP_ID, Bypass.offloading(BypassId.of(901), "proxy1", TestData.DEVICE, tuple(6),
                                          kept.translation().orElseThrow(), 5), CLIENT_AT, SERVER_AT, PROXY_MAC);
        h.intents.submit(withdrawnOrphan);
        h.intents.setState(withdrawnOrphan, IntentState.WITHDRAWN);
        FlowRuleIntent otherApp = new FlowRuleIntent(new DefaultApplicationId(43, "org.other"),
                                                     Key.of("900", new DefaultApplicationId(43, "org.other")),
                                                     orphan.flowRules(), List.of(), null, null);
        h.intents.submit(otherApp);
        int purgedBefore = h.intents.purged.size();

        h.activateApp();

        assertEquals(BYPASSED, record(kept).state());
        assertEquals("INSTALLED while nobody listened", BYPASSED, record(installedUnseen).state());
        assertEnded(record(intentLost), FAILED, BypassManager.INTENT_LOST);
        assertTrue("its entries removed", h.flowEntries.isEmpty());
        assertTrue("its legs freed", h.store.liveByLeg(tuple(3).client(), tuple(3).vip()).isEmpty());
        assertEquals("left to the offload timeout", OFFLOADING, record(stillOffloading).state());
        assertEquals("released while OFFLOADING: not BYPASSED", OFFLOADING, record(releasedUnseen).state());
        assertEquals("the orphan and the released record's intent withdrawn, nothing else",
                     Set.of(orphan, intentOf(releasedUnseen)), Set.copyOf(h.intents.withdrawn));
        assertEquals("the withdrawn orphan purged", List.of(withdrawnOrphan),
                     h.intents.purged.subList(purgedBefore, h.intents.purged.size()));
        assertTrue("another app's intent untouched", h.intents.intents.containsValue(otherApp));
    }

    @Test
    public void offloadingTimesOutAndItsEntriesGo() throws Exception {
        Bypass b = h.manager.offload(request().build());
        CompletableFuture<Bypass> waiting = h.manager.settled(b.id());
        h.now += OsgiPropertyConstants.OFFLOAD_TIMEOUT_SECONDS_DEFAULT * 1000L - 1;
        h.housekeeping();
        assertEquals(OFFLOADING, record(b).state());
        assertTrue(h.intents.withdrawn.isEmpty());

        h.now += 1;
        h.housekeeping();
        Bypass failed = record(b);
        assertEnded(failed, FAILED, "offload timed out: the switch did not take the bypass entries within 10 s");
        assertEquals(StateChange.of(FAILED, h.now, failed.reason()),
                     failed.history().get(failed.history().size() - 1));
        assertEquals(List.of(intentOf(b)), h.intents.withdrawn);
        assertEquals(FAILED, waiting.getNow(null).state());
        assertTrue("legs freed", h.store.liveByLeg(TUPLE.client(), TUPLE.vip()).isEmpty());

        h.housekeeping();
        assertEquals("withdrawn once", 1, h.intents.withdrawn.size());
        h.intents.fire(IntentEvent.Type.INSTALLED, intentOf(b));
        h.drain();
        assertEquals("installed late: withdrawn again", 2, h.intents.withdrawn.size());
        assertEquals(FAILED, record(b).state());
    }

    @Test
    public void endedCompletesWhenTheWithdrawalDoes() throws Exception {
        Bypass b = bypassed(1);
        Bypass answered = h.manager.release(b.id(), "operator");
        assertEquals("entries still on the switch", BYPASSED, answered.state());
        CompletableFuture<Bypass> ended = h.manager.ended(b.id());
        assertFalse(ended.isDone());
        h.intents.fire(IntentEvent.Type.WITHDRAWN, intentOf(b));
        h.drain();
        assertEnded(ended.getNow(null), RELEASED, "operator");
        assertTrue("an ended record answers at once", h.manager.ended(b.id()).isDone());
    }
}
