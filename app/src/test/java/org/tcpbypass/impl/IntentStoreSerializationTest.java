package org.tcpbypass.impl;

import org.junit.Rule;
import org.junit.Test;
import org.onlab.util.KryoNamespace;
import org.onosproject.cluster.NodeId;
import org.onosproject.net.intent.FlowRuleIntent;
import org.onosproject.net.intent.Intent;
import org.onosproject.net.intent.IntentData;
import org.onosproject.net.intent.IntentEvent;
import org.onosproject.net.intent.IntentState;
import org.onosproject.store.serializers.KryoNamespaces;
import org.onosproject.store.serializers.StoreSerializer;
import org.onosproject.store.LogicalTimestamp;
import org.onosproject.store.service.MultiValuedTimestamp;
import org.onosproject.store.service.Serializer;
import org.onosproject.store.service.TestStorageService;
import org.onosproject.store.service.Versioned;
import org.onosproject.store.service.WallClockTimestamp;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassEvent;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.ConnectionReport;

import java.util.ArrayList;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.tcpbypass.impl.TestData.CLIENT_MAC;
import static org.tcpbypass.impl.TestData.DEVICE;
import static org.tcpbypass.impl.TestData.SERVER_MAC;
import static org.tcpbypass.impl.TestData.TUPLE;
import static org.tcpbypass.impl.TestData.request;
import static org.tcpbypass.impl.TestData.tuple;

/**
 * Nothing the app hands ONOS's intent store needs a class ONOS's serializer does not know: every intent the
 * manager submits, in every path that submits one, survives the serializer ONOS 2.7's GossipIntentStore builds
 * (KryoNamespaces.API, IntentData, MultiValuedTimestamp) as IntentCleanup's resubmission copies it and as a
 * cluster peer receives it. Every record the app's store keeps survives the store's own serializer.
 */
public class IntentStoreSerializationTest {

    /**
     * ONOS 2.7.0's intent store serializer: GossipIntentStore's namespace (KryoNamespaces.API, IntentData,
     * MultiValuedTimestamp) as EventuallyConsistentMapImpl.createSerializer wraps it (BASIC and the timestamps
     * after BEGIN_USER_CUSTOM_ID + 100; its own anti-entropy message classes carry these values and are left out).
     */
    private static final StoreSerializer INTENT_STORE = StoreSerializer.using(KryoNamespace.newBuilder()
            .register(KryoNamespace.newBuilder()
                              .register(KryoNamespaces.API)
                              .register(IntentData.class)
                              .register(MultiValuedTimestamp.class)
                              .build())
            .nextId(KryoNamespaces.BEGIN_USER_CUSTOM_ID + 100)
            .register(KryoNamespaces.BASIC)
            .register(LogicalTimestamp.class)
            .register(WallClockTimestamp.class)
            .build("intent-current-ecmap"));

    private final Serializer bypassStore = Serializer.using(BypassSerializers.NAMESPACE);

    @Rule
    public final ManagerHarness h = new ManagerHarness(new TestStorageService());

    // Every path that submits an intent: a fresh offload, an offload of a reported connection, an offload whose
    // attachments come from the host service, and intents that were installed, withdrawn, failed.
    private List<Intent> submitEverywhere() {
        Bypass fresh = h.manager.offload(request().build());
        h.intents.fire(IntentEvent.Type.INSTALLED, h.intents.submitted.get(0));
        h.drain();
        h.manager.report(ConnectionReport.of(TestData.PROXY1.name(), List.of(tuple(1)), List.of()));
        // Offloaded under an idempotency key: the record carries the key, the store indexes it.
        h.manager.offload(request().tuple(tuple(1)).build(), "3f2c1d9e-6b1a-4f7e-9c55-0d6e2b7a8c41");
        h.addHost(tuple(2).client().ip(), CLIENT_MAC, DEVICE, 1);
        h.addHost(tuple(2).server().ip(), SERVER_MAC, DEVICE, 3);
        Bypass resolved = h.manager.offload(request().tuple(tuple(2)).clientAttachment(null).serverAttachment(null)
                                                   .build());
        h.intents.fire(IntentEvent.Type.FAILED, h.intents.getIntent(BypassIntentCompiler.key(TestData.APP_ID,
                                                                                             resolved.id())));
        h.drain();
        h.manager.release(fresh.id(), "operator");
        h.drain();
        List<Intent> all = new ArrayList<>(h.intents.submitted);
        all.addAll(h.intents.withdrawn);
        assertEquals("three offloads submitted", 3, h.intents.submitted.size());
        assertEquals("the failed and the released one withdrawn", 2, h.intents.withdrawn.size());
        return all;
    }

    @Test
    public void everySubmittedIntentSurvivesOnosIntentStoreSerializer() {
        for (Intent intent : submitEverywhere()) {
            assertTrue(intent + " is ONOS's own flow rule intent", intent.getClass() == FlowRuleIntent.class);
            IntentData pending = IntentData.assign(IntentData.submit(intent),
                                                   new MultiValuedTimestamp<>(new WallClockTimestamp(), 1L),
                                                   NodeId.nodeId("onos-1"));
            IntentData installed = IntentData.compiled(IntentData.nextState(pending, IntentState.INSTALLED),
                                                       List.of(intent));
            for (IntentData data : List.of(pending, installed, IntentData.withdraw(intent))) {
                assertSameData(data, INTENT_STORE.copy(data));
                assertSameData(data, INTENT_STORE.decode(INTENT_STORE.encode(data)));
            }
        }
    }

    @Test
    public void onosIntentStoreSerializerRefusesAppClasses() {
        try {
            INTENT_STORE.encode(BypassId.of(1));
            fail("ONOS's intent serializer encoded an app-defined class");
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage(), e.getMessage().contains("Class is not registered"));
        }
    }

    @Test
    public void everyStoredRecordSurvivesTheBypassStoreSerializer() {
        submitEverywhere();
        h.manager.report(ConnectionReport.of(TestData.PROXY1.name(), List.of(tuple(3)), List.of()));
        List<Bypass> records = new ArrayList<>(h.store.all());
        for (BypassEvent event : h.events) {
            records.add(event.subject());
        }
        assertTrue("records in every state: " + records, records.stream().map(Bypass::state).distinct().count()
                >= 4);
        assertTrue("a record offloaded under a key", records.stream().anyMatch(r -> r.idempotencyKey().isPresent()));
        for (Bypass record : records) {
            roundTrip(record);
            record.idempotencyKey().ifPresent(key -> roundTrip(IdempotencyKey.of(record.proxy(), key)));
            roundTrip(new Versioned<>(record, 3, 4));
            roundTrip(record.id());
            roundTrip(Leg.clientLeg(record.tuple()));
            roundTrip(Leg.serverLeg(record.tuple()));
        }
        roundTrip(Leg.clientLeg(TUPLE));
    }

    private void roundTrip(Object value) {
        Object copy = bypassStore.decode(bypassStore.encode(value));
        assertNotSame(value, copy);
        assertEquals(value, copy);
    }

    private static void assertSameData(IntentData expected, IntentData actual) {
        assertNotSame(expected, actual);
        assertEquals("state", expected.state(), actual.state());
        assertEquals("request", expected.request(), actual.request());
        assertEquals("version", expected.version(), actual.version());
        assertEquals("origin", expected.origin(), actual.origin());
        IntentAssert.assertSameIntent((FlowRuleIntent) expected.intent(), (FlowRuleIntent) actual.intent());
        assertEquals("installables", expected.installables().size(), actual.installables().size());
        for (int i = 0; i < expected.installables().size(); i++) {
            IntentAssert.assertSameIntent((FlowRuleIntent) expected.installables().get(i),
                                          (FlowRuleIntent) actual.installables().get(i));
        }
    }
}
