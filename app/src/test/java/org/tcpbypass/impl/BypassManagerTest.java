package org.tcpbypass.impl;

import org.junit.Rule;
import org.junit.Test;
import org.onlab.packet.Ip4Address;
import org.onosproject.net.DeviceId;
import org.onosproject.net.PortNumber;
import org.onosproject.net.device.DeviceEvent;
import org.onosproject.net.intent.FlowRuleIntent;
import org.onosproject.net.intent.Intent;
import org.onosproject.net.intent.IntentEvent;
import org.onosproject.net.intent.Key;
import org.onosproject.net.pi.model.PiPipeconfId;
import org.onosproject.store.service.TestStorageService;
import org.tcpbypass.api.Attachment;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassEvent;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassStatistics;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.ConnectionReport;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.LegState;
import org.tcpbypass.api.OffloadException;
import org.tcpbypass.api.OffloadRequest;
import org.tcpbypass.api.StateChange;
import org.tcpbypass.api.TcpEndpoint;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.tcpbypass.api.BypassState.BYPASSED;
import static org.tcpbypass.api.BypassState.FAILED;
import static org.tcpbypass.api.BypassState.OFFLOADING;
import static org.tcpbypass.api.BypassState.PROXIED;
import static org.tcpbypass.api.BypassState.RELEASED;
import static org.tcpbypass.api.OffloadException.Reason.CONFLICT;
import static org.tcpbypass.api.OffloadException.Reason.FORBIDDEN;
import static org.tcpbypass.api.OffloadException.Reason.INVALID;
import static org.tcpbypass.api.OffloadException.Reason.NOT_FOUND;
import static org.tcpbypass.impl.TestData.CLIENT;
import static org.tcpbypass.impl.TestData.CLIENT_AT;
import static org.tcpbypass.impl.TestData.CLIENT_LEG;
import static org.tcpbypass.impl.TestData.CLIENT_MAC;
import static org.tcpbypass.impl.TestData.DEVICE;
import static org.tcpbypass.impl.TestData.PROXY;
import static org.tcpbypass.impl.TestData.PROXY1;
import static org.tcpbypass.impl.TestData.PROXY_MAC;
import static org.tcpbypass.impl.TestData.SERVER;
import static org.tcpbypass.impl.TestData.SERVER_AT;
import static org.tcpbypass.impl.TestData.SERVER_LEG;
import static org.tcpbypass.impl.TestData.SERVER_MAC;
import static org.tcpbypass.impl.TestData.TUPLE;
import static org.tcpbypass.impl.TestData.VIP;
import static org.tcpbypass.impl.TestData.request;

/**
 * The offload service: validation, the record's state machine driven by intent events, proxied-connection
 * reports, releases, device removal, retention, statistics and configuration.
 */
public class BypassManagerTest {

    @Rule
    public final ManagerHarness h = new ManagerHarness(new TestStorageService());

    private Bypass offload() {
        return h.manager.offload(request().build());
    }

    private Intent intentOf(Bypass b) {
        return h.intents.getIntent(Key.of(b.id().toString(), TestData.APP_ID));
    }

    private Bypass record(Bypass b) {
        return h.manager.bypass(b.id()).orElseThrow();
    }

    private void fire(IntentEvent.Type type, Bypass b) {
        h.intents.fire(type, intentOf(b));
        h.drain();
    }

    private void assertRefused(OffloadRequest request, OffloadException.Reason reason, String message) {
        int records = h.manager.bypasses().size();
        int intents = h.intents.submitted.size();
        try {
            h.manager.offload(request);
            fail("accepted " + request);
        } catch (OffloadException e) {
            assertEquals(reason, e.reason());
            assertEquals(message, e.getMessage());
        }
        assertEquals("no record", records, h.manager.bypasses().size());
        assertEquals("no intent", intents, h.intents.submitted.size());
    }

    @Test
    public void offloadRecordsOffloadingAndSubmitsTheIntent() {
        Bypass b = offload();
        assertEquals(OFFLOADING, b.state());
        assertEquals("proxy1", b.proxy());
        assertEquals(DEVICE, b.deviceId());
        assertEquals(TUPLE, b.tuple());
        assertEquals(Optional.of(BypassTranslation.of(CLIENT_LEG, SERVER_LEG)), b.translation());
        assertEquals(List.of(StateChange.of(OFFLOADING, h.now, null)), b.history());
        assertEquals(1, h.intents.submitted.size());
        FlowRuleIntent intent = (FlowRuleIntent) h.intents.submitted.get(0);
        assertEquals(Key.of(b.id().toString(), TestData.APP_ID), intent.key());
        assertEquals(TestData.APP_ID, intent.appId());
        IntentAssert.assertSameRules(
                BypassIntentCompiler.compile(TestData.APP_ID, b, CLIENT_AT, SERVER_AT, PROXY_MAC), intent);
        assertEquals(BypassEvent.Type.ADDED, h.events.get(0).type());
    }

    @Test
    public void installedIntentMakesItBypassedAndSettlesWaiters() throws Exception {
        Bypass b = offload();
        CompletableFuture<Bypass> settled = h.manager.settled(b.id());
        assertFalse(settled.isDone());
        h.now += 40;
        fire(IntentEvent.Type.INSTALLED, b);
        assertEquals(BYPASSED, record(b).state());
        assertEquals(BYPASSED, settled.get().state());
        assertEquals(BYPASSED, h.manager.settled(b.id()).get().state());
        BypassStatistics stats = h.manager.statistics();
        assertEquals(1, stats.count(BYPASSED));
        assertEquals(1, stats.handOffs());
        assertEquals(40, stats.handOffP50Millis());
        assertEquals(BypassEvent.Type.STATE_CHANGED, h.events.get(h.events.size() - 1).type());
    }

    @Test
    public void failedIntentFailsTheRecordAndWithdrawsWhatWasInstalled() throws Exception {
        Bypass b = offload();
        CompletableFuture<Bypass> settled = h.manager.settled(b.id());
        fire(IntentEvent.Type.FAILED, b);
        assertEquals(FAILED, record(b).state());
        assertEquals(BypassManager.INTENT_FAILED, record(b).reason());
        assertEquals(FAILED, settled.get().state());
        assertEquals(List.of(intentOf(b)), h.intents.withdrawn);
        assertEquals(1L, (long) h.manager.statistics().failuresByReason().get(BypassManager.INTENT_FAILED));
        fire(IntentEvent.Type.WITHDRAWN, b);
        assertEquals("a failure stays a failure", FAILED, record(b).state());
        assertNull("withdrawn intent purged", intentOf(b));
        assertEquals("the connection can be offloaded again", OFFLOADING, offload().state());
    }

    @Test
    public void releaseWithdrawsAndWithdrawnEndsTheRecordWithTheReason() {
        Bypass b = offload();
        fire(IntentEvent.Type.INSTALLED, b);
        Intent intent = intentOf(b);
        assertEquals(BYPASSED, h.manager.release(b.id(), "released by operator").state());
        assertEquals(List.of(intent), h.intents.withdrawn);
        fire(IntentEvent.Type.WITHDRAWN, b);
        assertEquals(RELEASED, record(b).state());
        assertEquals("released by operator", record(b).reason());
        assertEquals(List.of(intent), h.intents.purged);
        assertEquals("final records are returned as they are", RELEASED,
                     h.manager.release(b.id(), "again").state());
    }

    @Test
    public void entriesInstalledAfterTheRecordEndedAreWithdrawn() {
        Bypass b = offload();
        Intent intent = intentOf(b);
        h.intents.intents.clear(); // release before ONOS stored the intent: nothing to withdraw yet
        assertEquals(RELEASED, h.manager.release(b.id(), "released by proxy").state());
        h.intents.fire(IntentEvent.Type.INSTALLED, intent);
        h.drain();
        assertEquals(RELEASED, record(b).state());
        assertEquals(List.of(intent), h.intents.withdrawn);
    }

    @Test
    public void anOffloadReleasedWhileOffloadingNeverBecomesBypassed() {
        Bypass b = offload();
        Intent intent = intentOf(b);
        Bypass asked = h.manager.release(b.id(), "released by proxy", OFFLOADING).orElseThrow();
        assertEquals(OFFLOADING, asked.state());
        assertEquals(Optional.of("released by proxy"), asked.releaseAsked());
        assertEquals(List.of(intent), h.intents.withdrawn);
        // Its entries reached the switch before the withdrawal did: the record stays as it was.
        fire(IntentEvent.Type.INSTALLED, b);
        assertEquals(OFFLOADING, record(b).state());
        // (A reconciliation running meanwhile may withdraw it once more: harmless.)
        assertTrue("withdrawn again on INSTALLED", h.intents.withdrawn.size() >= 2);
        assertEquals(Set.of(intent), Set.copyOf(h.intents.withdrawn));
        fire(IntentEvent.Type.WITHDRAWN, b);
        assertEquals(RELEASED, record(b).state());
        assertEquals("released by proxy", record(b).reason());
        assertTrue("never BYPASSED", record(b).enteredAt(BYPASSED).isEmpty());
    }

    @Test
    public void releaseInAnotherStateChangesNothing() {
        Bypass b = offload();
        fire(IntentEvent.Type.INSTALLED, b);
        Bypass bypassed = record(b);
        assertEquals(Optional.empty(), h.manager.release(b.id(), "released by proxy", OFFLOADING));
        assertEquals(bypassed, record(b));
        assertTrue(h.intents.withdrawn.isEmpty());
        assertEquals(BYPASSED, h.manager.release(b.id(), "released by operator", BYPASSED).orElseThrow().state());
        assertEquals(List.of(intentOf(b)), h.intents.withdrawn);
    }

    @Test
    public void releaseInAStateOfAnUnknownIdIsNotFound() {
        try {
            h.manager.release(BypassId.of(404), "x", OFFLOADING);
            fail();
        } catch (OffloadException e) {
            assertEquals(NOT_FOUND, e.reason());
            assertEquals("id: no bypass 404", e.getMessage());
        }
    }

    @Test
    public void releaseOfUnknownIdIsNotFound() {
        try {
            h.manager.release(BypassId.of(404), "x");
            fail();
        } catch (OffloadException e) {
            assertEquals(NOT_FOUND, e.reason());
            assertEquals("id: no bypass 404", e.getMessage());
        }
        try {
            h.manager.settled(BypassId.of(404)).get();
            fail();
        } catch (InterruptedException | ExecutionException e) {
            assertEquals(NOT_FOUND, ((OffloadException) e.getCause()).reason());
        }
    }

    @Test
    public void validationErrorsChangeNothing() {
        assertRefused(request().proxy("mallory").build(), FORBIDDEN, "proxy: 'mallory' is not a registered proxy");
        ConnectionTuple notOurVip = ConnectionTuple.of(CLIENT, TcpEndpoint.valueOf("198.18.0.200:80"), PROXY,
                                                       SERVER);
        assertRefused(request().tuple(notOurVip).build(), FORBIDDEN,
                      "vip: 198.18.0.200 is not a VIP of proxy proxy1");
        ConnectionTuple notOurAddress = ConnectionTuple.of(CLIENT, VIP, TcpEndpoint.valueOf("198.18.0.9:51000"),
                                                           SERVER);
        assertRefused(request().tuple(notOurAddress).build(), FORBIDDEN,
                      "proxyAddress: 198.18.0.9 is not the address of proxy proxy1");
        assertRefused(request().deviceId(DeviceId.deviceId("device:bmv2:s9")).build(), NOT_FOUND,
                      "deviceId: no device device:bmv2:s9");
        DeviceId other = DeviceId.deviceId("device:bmv2:s2");
        h.addDevice(other, null);
        assertRefused(request().deviceId(other).build(), INVALID,
                      "deviceId: proxy proxy1 attaches to device:bmv2:s1, not device:bmv2:s2");
        h.pipeconfs.put(DEVICE, new PiPipeconfId("org.onosproject.pipelines.basic"));
        assertRefused(request().build(), INVALID,
                      "deviceId: device:bmv2:s1 runs pipeconf org.onosproject.pipelines.basic, not org.tcpbypass.bmv2");
        h.pipeconfs.remove(DEVICE);
        assertRefused(request().build(), INVALID, "deviceId: device:bmv2:s1 has no pipeconf; the netcfg's"
                + " device:bmv2:s1 basic.pipeconf must be org.tcpbypass.bmv2");
        h.pipeconfs.put(DEVICE, org.tcpbypass.pipeconf.BypassPipelineConstants.PIPECONF_ID);
        LegState noTimestamps = LegState.builder().sndNxt(1).rcvNxt(2).mss(1460).sackPermitted(true).build();
        assertRefused(request().serverLeg(noTimestamps).build(), INVALID,
                      "timestamps: negotiated on one leg only (client leg true, server leg false)");
        assertRefused(request().clientAttachment(Attachment.of(PortNumber.portNumber(7), CLIENT_MAC)).build(),
                      INVALID, "clientAttachment.port: device:bmv2:s1 has no port 7");
        assertRefused(request().serverAttachment(Attachment.of(PortNumber.CONTROLLER, SERVER_MAC)).build(),
                      INVALID, "serverAttachment.port: CONTROLLER is not a switch port");
        assertRefused(request().serverAttachment(Attachment.of(PortNumber.portNumber(512), SERVER_MAC)).build(),
                      INVALID, "serverAttachment.port: 512 is not a switch port");
        assertRefused(request().clientAttachment(null).build(), INVALID,
                      "clientAttachment: no host with IP 198.18.0.1 is known on device:bmv2:s1"
                              + " (org.onosproject.hostprovider learns hosts from their ARP); give the attachment in"
                              + " the request");
        h.portless.add(DEVICE);
        assertRefused(request().build(), INVALID, "clientAttachment.port: device:bmv2:s1 has no ports; push the"
                + " netcfg's ports section (tools/tcp-bypass-netcfg writes it)");
        assertTrue(h.events.isEmpty());
    }

    @Test
    public void legsWhoseEcnDiffersAreRefusedAndChangeNothing() {
        assertRefused(request().clientLeg(ecn(CLIENT_LEG)).build(), INVALID,
                      "ecn: negotiated on one leg only (client leg true, server leg false)");
        assertRefused(request().serverLeg(ecn(SERVER_LEG)).build(), INVALID,
                      "ecn: negotiated on one leg only (client leg false, server leg true)");
    }

    @Test
    public void legsThatBothNegotiatedEcnAreOffloaded() {
        Bypass b = h.manager.offload(request().clientLeg(ecn(CLIENT_LEG)).serverLeg(ecn(SERVER_LEG)).build());
        assertEquals(OFFLOADING, b.state());
        assertEquals(1, h.intents.submitted.size());
    }

    // The same leg with ECN negotiated.
    private static LegState ecn(LegState leg) {
        return LegState.builder().sndNxt(leg.sndNxt()).rcvNxt(leg.rcvNxt())
                .localWindowShift(leg.localWindowShift()).peerWindowShift(leg.peerWindowShift()).mss(leg.mss())
                .sackPermitted(leg.sackPermitted()).timestamps(leg.timestamps()).tsVal(leg.tsVal())
                .peerTsVal(leg.peerTsVal()).ecn(true).build();
    }

    @Test
    public void attachmentsResolvedThroughTheHostService() {
        h.addHost(CLIENT.ip(), CLIENT_MAC, DEVICE, 1);
        h.addHost(SERVER.ip(), SERVER_MAC, DEVICE, 3);
        offload(); // consumes nothing of the host path: attachments given
        h.manager.release(h.manager.bypasses().iterator().next().id(), "x");
        fire(IntentEvent.Type.WITHDRAWN, h.manager.bypasses().iterator().next());
        Bypass b = h.manager.offload(request().clientAttachment(null).serverAttachment(null).build());
        IntentAssert.assertSameRules(BypassIntentCompiler.compile(TestData.APP_ID, b, CLIENT_AT, SERVER_AT,
                                                                  PROXY_MAC), (FlowRuleIntent) intentOf(b));
    }

    @Test
    public void sameConnectionTwiceIsAConflict() {
        Bypass first = offload();
        assertRefused(request().build(), CONFLICT,
                      "connection " + TUPLE + " already has a live bypass: " + first.id());
        ConnectionTuple sharesClientLeg = ConnectionTuple.of(CLIENT, VIP, TcpEndpoint.valueOf("198.18.0.2:51001"),
                                                             SERVER);
        assertRefused(request().tuple(sharesClientLeg).build(), CONFLICT,
                      "connection " + sharesClientLeg + " already has a live bypass: " + first.id());
    }

    @Test
    public void reportsCreateAndEndProxiedRecords() {
        ConnectionTuple other = TestData.tuple(5);
        assertEquals(2, h.manager.report(ConnectionReport.of("proxy1", List.of(TUPLE, other), List.of())));
        assertEquals(2, h.manager.statistics().count(PROXIED));
        assertEquals("a known connection is not recorded twice", 0,
                     h.manager.report(ConnectionReport.of("proxy1", List.of(TUPLE), List.of())));
        assertEquals(1, h.manager.report(ConnectionReport.of("proxy1", List.of(), List.of(other))));
        assertEquals(1, h.manager.statistics().count(RELEASED));
        Bypass closed = h.manager.bypasses().stream().filter(b -> b.tuple().equals(other)).findFirst().get();
        assertEquals(BypassManager.CLOSED_BY_PROXY, closed.reason());
        assertEquals(List.of(PROXIED, RELEASED), List.of(closed.history().get(0).state(),
                                                         closed.history().get(1).state()));
    }

    @Test
    public void newConnectionOnAStaleProxiedLegSupersedesIt() {
        h.manager.report(ConnectionReport.of("proxy1", List.of(TUPLE), List.of()));
        Bypass stale = h.manager.bypasses().iterator().next();
        ConnectionTuple reused = ConnectionTuple.of(CLIENT, VIP, TcpEndpoint.valueOf("198.18.0.2:51001"), SERVER);
        assertEquals(1, h.manager.report(ConnectionReport.of("proxy1", List.of(reused), List.of())));
        assertEquals(RELEASED, record(stale).state());
        assertEquals(BypassManager.SUPERSEDED, record(stale).reason());
        assertEquals(1, h.manager.statistics().count(PROXIED));
        Bypass bypassed = h.manager.offload(request().tuple(reused).build());
        fire(IntentEvent.Type.INSTALLED, bypassed);
        ConnectionTuple again = ConnectionTuple.of(CLIENT, VIP, TcpEndpoint.valueOf("198.18.0.2:51002"), SERVER);
        assertEquals("a bypass is never superseded by a report", 0,
                     h.manager.report(ConnectionReport.of("proxy1", List.of(again), List.of())));
        assertEquals(BYPASSED, record(bypassed).state());
    }

    @Test
    public void offloadOnALegAStaleProxiedRecordHoldsSupersedesIt() {
        // The proxy restarted: the earlier connection's "closed" report was lost, and the offload of a new connection
        // on the reused client port comes before the report that it opened.
        h.manager.report(ConnectionReport.of("proxy1", List.of(TUPLE), List.of()));
        Bypass stale = h.manager.bypasses().iterator().next();
        ConnectionTuple reused = ConnectionTuple.of(CLIENT, VIP, TcpEndpoint.valueOf("198.18.0.2:51001"), SERVER);
        Bypass offloading = h.manager.offload(request().tuple(reused).build());
        assertEquals(OFFLOADING, offloading.state());
        assertEquals(reused, offloading.tuple());
        assertEquals(RELEASED, record(stale).state());
        assertEquals(BypassManager.SUPERSEDED, record(stale).reason());
        ConnectionTuple again = ConnectionTuple.of(CLIENT, VIP, TcpEndpoint.valueOf("198.18.0.2:51002"), SERVER);
        assertRefused(request().tuple(again).build(), CONFLICT,
                      "connection " + again + " already has a live bypass: " + offloading.id());
        assertEquals("a bypass being set up is never superseded", OFFLOADING, record(offloading).state());
    }

    @Test
    public void forbiddenReportChangesNothing() {
        ConnectionTuple foreign = ConnectionTuple.of(CLIENT, TcpEndpoint.valueOf("198.18.0.250:80"), PROXY, SERVER);
        for (ConnectionReport r : List.of(ConnectionReport.of("proxy1", List.of(TestData.tuple(1), foreign),
                                                              List.of()),
                                          ConnectionReport.of("proxy1", List.of(TestData.tuple(1)),
                                                              List.of(foreign)),
                                          ConnectionReport.of("nobody", List.of(TUPLE), List.of()),
                                          ConnectionReport.of("nobody", List.of(), List.of()))) {
            try {
                h.manager.report(r);
                fail();
            } catch (OffloadException e) {
                assertEquals(FORBIDDEN, e.reason());
            }
        }
        assertTrue(h.manager.bypasses().isEmpty());
    }

    @Test
    public void offloadOfAProxiedConnectionContinuesItsRecord() {
        h.manager.report(ConnectionReport.of("proxy1", List.of(TUPLE), List.of()));
        BypassId id = h.manager.bypasses().iterator().next().id();
        h.now += 5000;
        Bypass b = offload();
        assertEquals(id, b.id());
        assertEquals(OFFLOADING, b.state());
        assertEquals(List.of(StateChange.of(PROXIED, h.now - 5000, null), StateChange.of(OFFLOADING, h.now, null)),
                     b.history());
        assertEquals(1, h.manager.bypasses().size());
        fire(IntentEvent.Type.INSTALLED, b);
        assertEquals("a closed report does not tear down a bypass", 0,
                     h.manager.report(ConnectionReport.of("proxy1", List.of(), List.of(TUPLE))));
        assertEquals(BYPASSED, record(b).state());
    }

    @Test
    public void failedWithdrawalIsPurgedNotRetried() {
        Bypass b = offload();
        fire(IntentEvent.Type.INSTALLED, b);
        h.deviceListener.event(new DeviceEvent(DeviceEvent.Type.DEVICE_REMOVED, h.devices.get(DEVICE)));
        h.drain();
        Intent intent = intentOf(b);
        fire(IntentEvent.Type.FAILED, b);
        assertEquals("one withdrawal only", List.of(intent), h.intents.withdrawn);
        assertEquals(List.of(intent), h.intents.purged);
        assertEquals(BypassManager.DEVICE_REMOVED, record(b).reason());
    }

    @Test
    public void releaseOfAProxiedRecordEndsItAtOnce() {
        h.manager.report(ConnectionReport.of("proxy1", List.of(TUPLE), List.of()));
        BypassId id = h.manager.bypasses().iterator().next().id();
        Bypass released = h.manager.release(id, "released by operator");
        assertEquals(RELEASED, released.state());
        assertTrue(h.intents.withdrawn.isEmpty());
    }

    @Test
    public void deviceRemovalFailsItsLiveBypassesAndWithdrawsThem() {
        Bypass b = offload();
        fire(IntentEvent.Type.INSTALLED, b);
        h.manager.report(ConnectionReport.of("proxy1", List.of(TestData.tuple(3)), List.of()));
        h.deviceListener.event(new DeviceEvent(DeviceEvent.Type.DEVICE_REMOVED, h.devices.get(DEVICE)));
        h.drain();
        assertEquals(FAILED, record(b).state());
        assertEquals(BypassManager.DEVICE_REMOVED, record(b).reason());
        assertEquals(List.of(intentOf(b)), h.intents.withdrawn);
        assertEquals("the proxy still relays its proxied connections", 1, h.manager.statistics().count(PROXIED));
        fire(IntentEvent.Type.WITHDRAWN, b);
        assertNull(intentOf(b));
    }

    @Test
    public void finalRecordsArePurgedAfterRetention() {
        Bypass kept = offload();
        fire(IntentEvent.Type.INSTALLED, kept);
        h.manager.report(ConnectionReport.of("proxy1", List.of(TestData.tuple(1)), List.of()));
        h.manager.report(ConnectionReport.of("proxy1", List.of(), List.of(TestData.tuple(1))));
        h.now += 59_999;
        h.housekeeping();
        assertEquals(2, h.manager.bypasses().size());
        h.now += 1;
        h.housekeeping();
        assertEquals(List.of(kept.id()), List.of(h.manager.bypasses().iterator().next().id()));
        assertEquals(BypassEvent.Type.REMOVED, h.events.get(h.events.size() - 1).type());
    }

    @Test
    public void recordsThatEndedBeforeActivationArePurgedToo() {
        h.manager.deactivate();
        Bypass ended = Bypass.proxied(h.store.nextId(), "proxy1", DEVICE, TUPLE, h.now);
        h.store.create(ended);
        h.store.update(ended.id(), b -> b.withState(RELEASED, "closed", h.now));
        h.manager.activate(null);
        h.now += 60_000;
        h.housekeeping();
        assertTrue(h.manager.bypasses().isEmpty());
    }

    @Test
    public void invalidConfigurationKeepsThePreviousOne() {
        assertEquals(List.of(PROXY1), List.copyOf(h.manager.proxies()));
        h.reconfigure("{'proxies': [{'name': 'p2'}]}");
        assertEquals(List.of(PROXY1), List.copyOf(h.manager.proxies()));
        h.reconfigure("{}");
        assertTrue(h.manager.proxies().isEmpty());
        assertRefused(request().build(), FORBIDDEN, "proxy: 'proxy1' is not a registered proxy");
    }

    @Test
    public void deactivateUndoesRegistrations() {
        assertNotNull(h.processor);
        h.manager.deactivate();
        assertNull(h.processor);
        h.manager.activate(null);
    }

    @Test
    public void vipsOtherThanTheFirstAreAccepted() {
        ConnectionTuple second = ConnectionTuple.of(CLIENT, TcpEndpoint.of(Ip4Address.valueOf("198.18.0.101"), 443),
                                                    PROXY, SERVER);
        assertEquals(OFFLOADING, h.manager.offload(request().tuple(second).build()).state());
    }
}
