package org.tcpbypass.api;

import org.onosproject.event.ListenerService;
import org.onosproject.net.flow.FlowEntry;

import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Hands proxied TCP connections to the switch and tracks every proxied connection until it ends.
 */
public interface BypassService extends ListenerService<BypassEvent, BypassListener> {

    /**
     * Accepts an offload: validates the request, derives the translation and submits the bypass intent.
     *
     * @param request the proxy's request
     * @return the record, in state OFFLOADING (or BYPASSED if installation already finished)
     * @throws OffloadException INVALID, FORBIDDEN, NOT_FOUND (device) or CONFLICT; nothing changed
     */
    Bypass offload(OffloadRequest request);

    /**
     * Accepts an offload as {@link #offload(OffloadRequest)} does, once per idempotency key: a request whose
     * proxy already used the key answers the record the first request made, in whatever state it is now, and
     * changes nothing. Keys are remembered as long as that record is kept.
     *
     * @param request        the proxy's request
     * @param idempotencyKey the proxy's key for this request, unique per proxy; null offloads as
     *                       {@link #offload(OffloadRequest)}
     * @return the new record, or the first request's record marked repeated
     * @throws OffloadException as {@link #offload(OffloadRequest)}; KEY_REUSED if the key was used for another
     *                          device, connection or leg state; nothing changed
     */
    OffloadOutcome offload(OffloadRequest request, String idempotencyKey);

    /**
     * Records the connections a proxy started and stopped relaying.
     *
     * @param report the proxy's batched report
     * @return number of connections recorded (opened plus closed)
     * @throws OffloadException FORBIDDEN for an unregistered proxy or a connection that is not its own;
     *                          nothing changed
     */
    int report(ConnectionReport report);

    /**
     * Releases a connection: withdraws its bypass, if any, and ends its record.
     *
     * @param id     record id
     * @param reason why, e.g. "released by operator"
     * @return the record after release: final if nothing was on the switch, otherwise as it is until the switch's
     *         entries are withdrawn (see {@link #ended(BypassId)})
     * @throws OffloadException NOT_FOUND for an unknown id
     */
    Bypass release(BypassId id, String reason);

    /**
     * Releases a connection only while its record is in one state, as one compare-and-set with the record's own
     * changes: a record released while OFFLOADING never becomes BYPASSED, even if its entries reach the switch.
     *
     * @param id      record id
     * @param reason  why, e.g. "released through the REST API"
     * @param ifState the state the record must be in
     * @return the record after release, as {@link #release(BypassId, String)} returns it; empty if the record was
     *         in another state (nothing changed)
     * @throws OffloadException NOT_FOUND for an unknown id
     */
    Optional<Bypass> release(BypassId id, String reason, BypassState ifState);

    /**
     * Cancels a proxy's offload request by its idempotency key, for a proxy that got no answer to it: from now on
     * the key makes no record (the request, or a retry, still on its way is refused with CONFLICT), and the record
     * it made, if any, is returned for the proxy to release or hand off. The key stays cancelled for the records'
     * retention.
     *
     * @param proxy          proxy name
     * @param idempotencyKey the request's key
     * @return the record the key made, as it is now; empty if it made none
     * @throws OffloadException FORBIDDEN for an unregistered proxy; CONFLICT if the request with this key is still
     *                          being processed
     */
    Optional<Bypass> cancelOffload(String proxy, String idempotencyKey);

    /**
     * Returns a record.
     *
     * @param id record id
     * @return the record, if known
     */
    Optional<Bypass> bypass(BypassId id);

    /**
     * Returns all records, live and recently ended.
     *
     * @return records
     */
    Collection<Bypass> bypasses();

    /**
     * Returns a future completed with the record as soon as it is no longer OFFLOADING.
     *
     * @param id record id
     * @return future record; completed exceptionally with OffloadException NOT_FOUND for an unknown id
     */
    CompletableFuture<Bypass> settled(BypassId id);

    /**
     * Returns a future completed with the record as soon as it is RELEASED or FAILED.
     *
     * @param id record id
     * @return future record; completed exceptionally with OffloadException NOT_FOUND for an unknown id
     */
    CompletableFuture<Bypass> ended(BypassId id);

    /**
     * Returns the bypass-table entries the switch holds for a bypass's intent (the counted ones; their guard-table
     * twins are left out), one per direction while it is active.
     *
     * @param id record id
     * @return flow entries
     */
    Collection<FlowEntry> flowEntries(BypassId id);

    /**
     * Returns a summary of all records, with the anomaly counters of the registered proxies' switches read from the
     * switches (waits up to a second for them).
     *
     * @return statistics
     */
    BypassStatistics statistics();

    /**
     * Returns the proxies registered in the network configuration.
     *
     * @return registered proxies
     */
    Collection<RegisteredProxy> proxies();
}
