package org.tcpbypass.impl;

import org.junit.After;
import org.junit.Before;
import org.junit.Test;
import org.onosproject.store.service.StorageService;
import org.onosproject.store.service.TestStorageService;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassCounters;
import org.tcpbypass.api.BypassEvent;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.TcpEndpoint;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotEquals;
import static org.junit.Assert.assertSame;
import static org.junit.Assert.assertTrue;
import static org.tcpbypass.impl.TestData.CLIENT;
import static org.tcpbypass.impl.TestData.CLIENT_LEG;
import static org.tcpbypass.impl.TestData.DEVICE;
import static org.tcpbypass.impl.TestData.PROXY;
import static org.tcpbypass.impl.TestData.SERVER;
import static org.tcpbypass.impl.TestData.SERVER_LEG;
import static org.tcpbypass.impl.TestData.TUPLE;
import static org.tcpbypass.impl.TestData.VIP;

/**
 * The store on ONOS's test storage service: leg claims, version-checked updates, events, sweeping.
 */
public class DistributedBypassStoreTest {

    private final ClusterStorageService storage = new ClusterStorageService();
    private final List<BypassEvent> events = new ArrayList<>();
    private DistributedBypassStore store;

    static DistributedBypassStore store(StorageService storage) {
        DistributedBypassStore s = new DistributedBypassStore();
        s.storageService = storage;
        s.activate();
        return s;
    }

    @Before
    public void setUp() {
        store = store(storage);
        store.setDelegate(events::add);
    }

    @After
    public void tearDown() {
        store.deactivate();
    }

    @Test
    public void worksOnOnosTestStorageService() {
        DistributedBypassStore plain = store(new TestStorageService());
        Bypass b = offloading(TUPLE);
        assertEquals(Optional.empty(), plain.create(b));
        assertEquals(Optional.of(b.id()), plain.create(offloading(TUPLE)));
        assertEquals(BypassState.BYPASSED, plain.update(b.id(), r -> r.withState(BypassState.BYPASSED, null, 1))
                .get().state());
        plain.deactivate();
    }

    @Test
    public void twoInstancesNeverBothHoldAConnection() {
        DistributedBypassStore other = store(storage);
        Bypass mine = offloading(TUPLE);
        Bypass theirs = Bypass.offloading(other.nextId(), "proxy1", DEVICE, TUPLE,
                                          BypassTranslation.of(CLIENT_LEG, SERVER_LEG), 1000);
        assertNotEquals("ids are cluster-unique", mine.id(), theirs.id());
        assertEquals(Optional.empty(), store.create(mine));
        assertEquals(Optional.of(mine.id()), other.create(theirs));
        assertEquals(Optional.of(mine), other.liveByLeg(CLIENT, VIP));
        other.deactivate();
    }

    private Bypass offloading(ConnectionTuple tuple) {
        return Bypass.offloading(store.nextId(), "proxy1", DEVICE, tuple,
                                 BypassTranslation.of(CLIENT_LEG, SERVER_LEG), 1000);
    }

    @Test
    public void idsAreUnique() {
        assertNotEquals(store.nextId(), store.nextId());
    }

    @Test
    public void createdRecordIsFoundByEitherLegInEitherOrder() {
        Bypass b = offloading(TUPLE);
        assertEquals(Optional.empty(), store.create(b));
        assertEquals(Optional.of(b), store.get(b.id()));
        assertEquals(Optional.of(b), store.liveByLeg(CLIENT, VIP));
        assertEquals(Optional.of(b), store.liveByLeg(VIP, CLIENT));
        assertEquals(Optional.of(b), store.liveByLeg(PROXY, SERVER));
        assertEquals(Optional.of(b), store.liveByLeg(SERVER, PROXY));
        assertEquals(Optional.empty(), store.liveByLeg(CLIENT, SERVER));
        assertEquals(BypassEvent.Type.ADDED, events.get(0).type());
    }

    @Test
    public void secondRecordOnEitherLegIsRefusedAndNothingStored() {
        Bypass first = offloading(TUPLE);
        store.create(first);
        ConnectionTuple sameClientLeg = ConnectionTuple.of(CLIENT, VIP, TcpEndpoint.valueOf("198.18.0.2:51001"),
                                                           SERVER);
        ConnectionTuple sameServerLeg = ConnectionTuple.of(TcpEndpoint.valueOf("198.18.0.9:1"), VIP, PROXY,
                                                           SERVER);
        Bypass a = offloading(sameClientLeg);
        Bypass b = offloading(sameServerLeg);
        assertEquals(Optional.of(first.id()), store.create(a));
        assertEquals(Optional.of(first.id()), store.create(b));
        assertEquals(1, store.all().size());
        // The refused record's other leg was released again.
        assertEquals(Optional.empty(), store.liveByLeg(TcpEndpoint.valueOf("198.18.0.2:51001"), SERVER));
        assertEquals(Optional.empty(), store.liveByLeg(TcpEndpoint.valueOf("198.18.0.9:1"), VIP));
    }

    @Test
    public void finalStateFreesLegsAndKeepsTheRecord() {
        Bypass b = offloading(TUPLE);
        store.create(b);
        Optional<Bypass> released = store.update(b.id(), r -> r.withState(BypassState.RELEASED, "done", 2000));
        assertEquals(BypassState.RELEASED, released.get().state());
        assertEquals(Optional.empty(), store.liveByLeg(CLIENT, VIP));
        assertEquals(Optional.empty(), store.liveByLeg(PROXY, SERVER));
        assertEquals(BypassState.RELEASED, store.get(b.id()).get().state());
        assertEquals(BypassEvent.Type.STATE_CHANGED, events.get(events.size() - 1).type());
        assertEquals("the connection may be offloaded again", Optional.empty(), store.create(offloading(TUPLE)));
    }

    @Test
    public void unchangedRecordWritesNothing() {
        Bypass b = offloading(TUPLE);
        store.create(b);
        int before = events.size();
        assertSame(b, store.update(b.id(), r -> r).get());
        assertEquals(before, events.size());
        assertEquals(Optional.empty(), store.update(BypassId.of(999), r -> r));
    }

    @Test
    public void counterChangeIsCountersUpdated() {
        Bypass b = offloading(TUPLE);
        store.create(b);
        store.update(b.id(), r -> r.withCounters(BypassCounters.of(1, 2, 3, 4)));
        assertEquals(BypassEvent.Type.COUNTERS_UPDATED, events.get(events.size() - 1).type());
    }

    @Test
    public void removeFreesLegsAndTellsListeners() {
        Bypass b = offloading(TUPLE);
        store.create(b);
        assertEquals(Optional.of(b), store.remove(b.id()));
        assertEquals(Optional.empty(), store.liveByLeg(CLIENT, VIP));
        assertTrue(store.all().isEmpty());
        BypassEvent last = events.get(events.size() - 1);
        assertEquals(BypassEvent.Type.REMOVED, last.type());
        assertEquals(b, last.subject());
        assertEquals(Optional.empty(), store.remove(b.id()));
    }

    @Test
    public void sweepFreesLegsOfRecordsNeverStoredOnlyAfterTwoSweeps() {
        Bypass stored = offloading(TUPLE);
        store.create(stored);
        Bypass orphan = offloading(TestData.tuple(1));
        store.create(orphan);
        // An instance that claimed the legs and died before storing the record leaves this behind:
        storage.map("tcp-bypass-records").remove(orphan.id());
        assertEquals(0, store.sweepLegs());
        assertFalse(store.liveByLeg(orphan.tuple().client(), VIP).isPresent());
        assertEquals(Optional.of(orphan.id()), store.create(offloading(orphan.tuple())));
        assertEquals(2, store.sweepLegs());
        assertEquals(Optional.empty(), store.create(offloading(orphan.tuple())));
        assertEquals(Optional.of(stored), store.liveByLeg(CLIENT, VIP));
    }

    @Test
    public void idempotencyKeyIsClaimedOncePerProxyAndClusterWide() {
        DistributedBypassStore other = store(storage);
        BypassId first = store.nextId();
        BypassId second = other.nextId();
        assertEquals(Optional.empty(), store.claimIdempotencyKey("proxy1", "k1", first));
        assertEquals(Optional.of(first), other.claimIdempotencyKey("proxy1", "k1", second));
        assertEquals(Optional.of(first), other.idempotencyKeyHolder("proxy1", "k1"));
        assertEquals("keys are per proxy", Optional.empty(), other.claimIdempotencyKey("proxy2", "k1", second));
        assertEquals(Optional.empty(), store.idempotencyKeyHolder("proxy1", "k2"));
        other.deactivate();
    }

    @Test
    public void idempotencyKeyIsReleasedOnlyByItsHolder() {
        BypassId holder = store.nextId();
        store.claimIdempotencyKey("proxy1", "k1", holder);
        store.releaseIdempotencyKey("proxy1", "k1", store.nextId());
        assertEquals(Optional.of(holder), store.idempotencyKeyHolder("proxy1", "k1"));
        store.releaseIdempotencyKey("proxy1", "k1", holder);
        assertEquals(Optional.empty(), store.idempotencyKeyHolder("proxy1", "k1"));
    }

    @Test
    public void idempotencyKeyLastsAsLongAsItsRecord() {
        Bypass b = offloading(TUPLE).withIdempotencyKey("k1");
        store.claimIdempotencyKey("proxy1", "k1", b.id());
        store.create(b);
        store.update(b.id(), r -> r.withState(BypassState.RELEASED, "done", 2000));
        assertEquals("kept with the ended record", Optional.of(b.id()), store.idempotencyKeyHolder("proxy1", "k1"));
        assertEquals(Optional.of("k1"), store.get(b.id()).orElseThrow().idempotencyKey());
        store.remove(b.id());
        assertEquals(Optional.empty(), store.idempotencyKeyHolder("proxy1", "k1"));
    }
}
