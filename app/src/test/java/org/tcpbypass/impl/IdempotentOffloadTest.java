package org.tcpbypass.impl;

import org.junit.Rule;
import org.junit.Test;
import org.onosproject.net.intent.IntentEvent;
import org.onosproject.net.intent.Key;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.ConnectionReport;
import org.tcpbypass.api.LegState;
import org.tcpbypass.api.OffloadException;
import org.tcpbypass.api.OffloadOutcome;
import org.tcpbypass.api.OffloadRequest;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.tcpbypass.api.BypassState.BYPASSED;
import static org.tcpbypass.api.BypassState.FAILED;
import static org.tcpbypass.api.BypassState.OFFLOADING;
import static org.tcpbypass.api.BypassState.RELEASED;
import static org.tcpbypass.api.OffloadException.Reason.CONFLICT;
import static org.tcpbypass.api.OffloadException.Reason.KEY_REUSED;
import static org.tcpbypass.impl.TestData.CLIENT_LEG;
import static org.tcpbypass.impl.TestData.DEVICE;
import static org.tcpbypass.impl.TestData.SERVER_LEG;
import static org.tcpbypass.impl.TestData.TUPLE;
import static org.tcpbypass.impl.TestData.request;

/**
 * Offloads under an idempotency key: a proxy that lost the answer and sends the same request again gets the first
 * request's record, on any instance of the cluster and in whatever state the record is; a key used for another
 * request is refused; a refused request leaves its key free.
 */
public class IdempotentOffloadTest {

    private static final String KEY = "3f2c1d9e-6b1a-4f7e-9c55-0d6e2b7a8c41";

    private final ClusterStorageService storage = new ClusterStorageService();

    @Rule
    public final ManagerHarness h = new ManagerHarness(storage);

    private OffloadOutcome offload(OffloadRequest request) {
        return h.manager.offload(request, KEY);
    }

    private void fire(IntentEvent.Type type, Bypass b) {
        h.intents.fire(type, h.intents.getIntent(Key.of(b.id().toString(), TestData.APP_ID)));
        h.drain();
    }

    private void assertRefused(OffloadRequest request, OffloadException.Reason reason, String message) {
        int records = h.manager.bypasses().size();
        int intents = h.intents.submitted.size();
        try {
            offload(request);
            fail("accepted " + request);
        } catch (OffloadException e) {
            assertEquals(reason, e.reason());
            assertEquals(message, e.getMessage());
        }
        assertEquals("no record", records, h.manager.bypasses().size());
        assertEquals("no intent", intents, h.intents.submitted.size());
    }

    @Test
    public void firstRequestCreatesTheRecordCarryingTheKey() {
        OffloadOutcome first = offload(request().build());
        assertFalse(first.isRepeated());
        assertEquals(OFFLOADING, first.bypass().state());
        assertEquals(Optional.of(KEY), first.bypass().idempotencyKey());
        assertEquals(Optional.of(first.bypass().id()), h.store.idempotencyKeyHolder("proxy1", KEY));
        assertEquals(1, h.intents.submitted.size());
    }

    @Test
    public void repeatedRequestAnswersTheFirstRecordAndChangesNothing() {
        Bypass first = offload(request().build()).bypass();
        int events = h.events.size();
        OffloadOutcome again = offload(request().build());
        assertTrue(again.isRepeated());
        assertEquals(first, again.bypass());
        assertEquals("one record", 1, h.manager.bypasses().size());
        assertEquals("one intent", 1, h.intents.submitted.size());
        assertEquals("no store event", events, h.events.size());
    }

    @Test
    public void repeatAnswersTheRecordInWhateverStateItIsNow() {
        Bypass first = offload(request().build()).bypass();
        fire(IntentEvent.Type.INSTALLED, first);
        assertEquals(BYPASSED, offload(request().build()).bypass().state());

        h.manager.release(first.id(), "released by proxy");
        fire(IntentEvent.Type.WITHDRAWN, first);
        OffloadOutcome afterRelease = offload(request().build());
        assertTrue("not a new bypass although the legs are free again", afterRelease.isRepeated());
        assertEquals(first.id(), afterRelease.bypass().id());
        assertEquals(RELEASED, afterRelease.bypass().state());
        assertEquals(1, h.intents.submitted.size());
    }

    @Test
    public void repeatOfAFailedOffloadAnswersTheFailure() {
        Bypass first = offload(request().build()).bypass();
        fire(IntentEvent.Type.FAILED, first);
        OffloadOutcome again = offload(request().build());
        assertTrue(again.isRepeated());
        assertEquals(FAILED, again.bypass().state());
        assertEquals(BypassManager.INTENT_FAILED, again.bypass().reason());
    }

    @Test
    public void offloadOfAReportedConnectionKeepsItsRecordAndTheKey() {
        h.manager.report(ConnectionReport.of("proxy1", List.of(TUPLE), List.of()));
        BypassId reported = h.manager.bypasses().iterator().next().id();
        OffloadOutcome first = offload(request().build());
        assertFalse(first.isRepeated());
        assertEquals(reported, first.bypass().id());
        assertEquals(Optional.of(KEY), first.bypass().idempotencyKey());
        OffloadOutcome again = offload(request().build());
        assertTrue(again.isRepeated());
        assertEquals(reported, again.bypass().id());
        assertEquals(1, h.intents.submitted.size());
    }

    @Test
    public void keyReusedForAnotherConnectionOrLegStateIsRefusedNamingTheKey() {
        Bypass first = offload(request().build()).bypass();
        String message = "Idempotency-Key '" + KEY + "' was used for another offload request (bypass " + first.id()
                + ", " + DEVICE + " " + TUPLE + ")";
        assertRefused(request().tuple(TestData.tuple(1)).build(), KEY_REUSED, message);
        LegState moved = LegState.builder().sndNxt(1001).rcvNxt(2000).localWindowShift(7).peerWindowShift(6)
                .mss(1460).sackPermitted(true).timestamps(true).tsVal(500).peerTsVal(900).build();
        assertRefused(request().clientLeg(moved).build(), KEY_REUSED, message);
        assertEquals(Optional.of(BypassTranslation.of(CLIENT_LEG, SERVER_LEG)),
                     h.manager.bypass(first.id()).orElseThrow().translation());
    }

    @Test
    public void refusedRequestLeavesItsKeyFree() {
        Bypass other = h.manager.offload(request().build());
        assertRefused(request().build(), CONFLICT, "connection " + TUPLE + " already has a live bypass: "
                + other.id());
        assertEquals(Optional.empty(), h.store.idempotencyKeyHolder("proxy1", KEY));
        assertRefused(request().proxy("nobody").build(), OffloadException.Reason.FORBIDDEN,
                      "proxy: 'nobody' is not a registered proxy");
        assertEquals(Optional.empty(), h.store.idempotencyKeyHolder("nobody", KEY));

        h.manager.release(other.id(), "released by proxy");
        fire(IntentEvent.Type.WITHDRAWN, other);
        OffloadOutcome later = offload(request().build());
        assertFalse("the key was never used", later.isRepeated());
        assertEquals(OFFLOADING, later.bypass().state());
    }

    @Test
    public void withoutKeyTheSameConnectionTwiceIsStillAConflict() {
        OffloadOutcome first = h.manager.offload(request().build(), null);
        assertFalse(first.isRepeated());
        assertEquals(Optional.empty(), first.bypass().idempotencyKey());
        try {
            h.manager.offload(request().build(), null);
            fail();
        } catch (OffloadException e) {
            assertEquals(CONFLICT, e.reason());
        }
    }

    @Test
    public void keyIsForgottenWithItsRecord() {
        Bypass first = offload(request().build()).bypass();
        h.manager.release(first.id(), "released by proxy");
        fire(IntentEvent.Type.WITHDRAWN, first);
        h.now += 61_000; // past the harness's 60 s retention
        h.housekeeping();
        assertEquals(Optional.empty(), h.manager.bypass(first.id()));
        assertEquals(Optional.empty(), h.store.idempotencyKeyHolder("proxy1", KEY));
    }

    @Test
    public void retryOnAnotherInstanceAnswersTheRecordMadeOnTheFirst() {
        Bypass first = offload(request().build()).bypass();
        ManagerHarness peer = new ManagerHarness(storage);
        peer.start();
        try {
            OffloadOutcome again = peer.manager.offload(request().build(), KEY);
            assertTrue(again.isRepeated());
            assertEquals(first.id(), again.bypass().id());
            assertTrue("the peer submitted nothing", peer.intents.submitted.isEmpty());
        } finally {
            peer.stop();
        }
    }

    @Test
    public void retryRacingTheFirstRequestWaitsForItsRecord() throws Exception {
        // The first request, on another instance, has claimed the key but not yet stored its record.
        BypassId id = h.store.nextId();
        assertEquals(Optional.empty(), h.store.claimIdempotencyKey("proxy1", KEY, id));
        CompletableFuture<OffloadOutcome> retry = CompletableFuture.supplyAsync(() -> offload(request().build()));
        Thread.sleep(100);
        assertFalse("the retry waits", retry.isDone());
        Bypass first = Bypass.offloading(id, "proxy1", DEVICE, TUPLE, BypassTranslation.of(CLIENT_LEG, SERVER_LEG),
                                         h.now).withIdempotencyKey(KEY);
        assertEquals(Optional.empty(), h.store.create(first));
        OffloadOutcome outcome = retry.get(5, TimeUnit.SECONDS);
        assertTrue(outcome.isRepeated());
        assertEquals(first, outcome.bypass());
        assertTrue(h.intents.submitted.isEmpty());
    }

    @Test
    public void keyHeldByARequestThatNeverStoresItsRecordIsAConflictNamingTheKey() {
        BypassId id = h.store.nextId();
        h.store.claimIdempotencyKey("proxy1", KEY, id);
        assertRefused(request().build(), CONFLICT, "Idempotency-Key '" + KEY + "': the first request with this"
                + " key, bypass " + id + ", is still being processed");
    }
    @Test
    public void aCancelledKeyMakesNoRecordUntilItsRetentionHasPassed() {
        assertEquals(Optional.empty(), h.manager.cancelOffload("proxy1", KEY));
        assertEquals("cancelling twice is harmless", Optional.empty(), h.manager.cancelOffload("proxy1", KEY));
        // The request, delayed on its way, arrives after its cancel.
        assertRefused(request().build(), CONFLICT, "Idempotency-Key '" + KEY + "': the proxy cancelled the offload"
                + " request with this key");
        h.now += 61_000; // past the harness's 60 s retention
        h.housekeeping();
        assertEquals(Optional.empty(), h.store.idempotencyKeyHolder("proxy1", KEY));
        assertFalse(offload(request().build()).isRepeated());
    }

    @Test
    public void cancellingTheKeyOfARequestAnswersItsRecordWhichTheProxyReleases() {
        Bypass first = offload(request().build()).bypass();
        assertEquals(Optional.of(first), h.manager.cancelOffload("proxy1", KEY));
        assertEquals("the key still names its record", Optional.of(first.id()),
                     h.store.idempotencyKeyHolder("proxy1", KEY));
        assertEquals(OFFLOADING, h.manager.release(first.id(), "released by proxy", OFFLOADING).orElseThrow().state());
        fire(IntentEvent.Type.INSTALLED, first);
        fire(IntentEvent.Type.WITHDRAWN, first);
        assertEquals(RELEASED, h.manager.bypass(first.id()).orElseThrow().state());
    }

    @Test
    public void cancellingTheKeyOfABypassThatWonAnswersItUnchanged() {
        Bypass first = offload(request().build()).bypass();
        fire(IntentEvent.Type.INSTALLED, first);
        Bypass bypassed = h.manager.cancelOffload("proxy1", KEY).orElseThrow();
        assertEquals(BYPASSED, bypassed.state());
        assertEquals(bypassed, h.manager.bypass(first.id()).orElseThrow());
        assertTrue(h.intents.withdrawn.isEmpty());
    }

    /** Cancels {@link #KEY} while a request, on another instance, has claimed it as {@code id} but made no record. */
    private CompletableFuture<Optional<Bypass>> cancelWhileTheRequestHoldsTheKey(BypassId id) throws Exception {
        assertEquals(Optional.empty(), h.store.claimIdempotencyKey("proxy1", KEY, id));
        CompletableFuture<Optional<Bypass>> cancel =
                CompletableFuture.supplyAsync(() -> h.manager.cancelOffload("proxy1", KEY));
        Thread.sleep(100);
        assertFalse("the cancel waits", cancel.isDone());
        return cancel;
    }

    @Test
    public void aCancelRacingItsRequestWaitsForTheRecord() throws Exception {
        BypassId id = h.store.nextId();
        CompletableFuture<Optional<Bypass>> cancel = cancelWhileTheRequestHoldsTheKey(id);
        Bypass first = Bypass.offloading(id, "proxy1", DEVICE, TUPLE, BypassTranslation.of(CLIENT_LEG, SERVER_LEG),
                                         h.now).withIdempotencyKey(KEY);
        assertEquals(Optional.empty(), h.store.create(first));
        assertEquals(Optional.of(first), cancel.get(5, TimeUnit.SECONDS));
    }

    @Test
    public void aCancelAfterItsRequestFailedCancelsTheFreedKey() throws Exception {
        BypassId id = h.store.nextId();
        CompletableFuture<Optional<Bypass>> cancel = cancelWhileTheRequestHoldsTheKey(id);
        h.store.releaseIdempotencyKey("proxy1", KEY, id); // the request was refused
        assertEquals(Optional.empty(), cancel.get(5, TimeUnit.SECONDS));
        assertEquals(Optional.of(BypassManager.CANCELLED_KEY), h.store.idempotencyKeyHolder("proxy1", KEY));
    }

    @Test
    public void aCancelWhileTheRequestNeverStoresItsRecordIsAConflictNamingTheKey() {
        BypassId id = h.store.nextId();
        h.store.claimIdempotencyKey("proxy1", KEY, id);
        try {
            h.manager.cancelOffload("proxy1", KEY);
            fail("cancelled while the request holds the key");
        } catch (OffloadException e) {
            assertEquals(CONFLICT, e.reason());
            assertEquals("Idempotency-Key '" + KEY + "': the request with this key, bypass " + id
                                 + ", is still being processed", e.getMessage());
        }
        assertEquals(Optional.of(id), h.store.idempotencyKeyHolder("proxy1", KEY));
    }

    @Test
    public void anUnregisteredProxyCancelsNothing() {
        try {
            h.manager.cancelOffload("intruder", KEY);
            fail("accepted an unregistered proxy");
        } catch (OffloadException e) {
            assertEquals(OffloadException.Reason.FORBIDDEN, e.reason());
            assertEquals("proxy: 'intruder' is not a registered proxy", e.getMessage());
        }
        assertEquals(Optional.empty(), h.store.idempotencyKeyHolder("intruder", KEY));
    }
}
