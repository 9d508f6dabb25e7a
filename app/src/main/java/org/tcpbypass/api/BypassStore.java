package org.tcpbypass.api;

import org.onosproject.store.Store;

import java.util.Collection;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Keeps the bypass records, shared by the cluster, and an index of the legs of every live record (PROXIED,
 * OFFLOADING, BYPASSED) so a connection is found in constant time by either leg.
 */
public interface BypassStore extends Store<BypassEvent, BypassStoreDelegate> {

    /**
     * Returns a new cluster-unique record id.
     *
     * @return id
     */
    BypassId nextId();

    /**
     * Adds a live record and claims both its legs.
     *
     * @param bypass new record, not final
     * @return the id of the live record already holding one of the legs, if any; then nothing was stored
     */
    Optional<BypassId> create(Bypass bypass);

    /**
     * Changes a record. When the change makes it final its legs are freed.
     *
     * @param id     record id
     * @param change function from the current record to the new one; returning the same record changes nothing
     * @return the record after the change, if the record exists
     */
    Optional<Bypass> update(BypassId id, UnaryOperator<Bypass> change);

    /**
     * Removes a record and frees its legs and its idempotency key.
     *
     * @param id record id
     * @return the removed record, if it existed
     */
    Optional<Bypass> remove(BypassId id);

    /**
     * Returns a record.
     *
     * @param id record id
     * @return record, if known
     */
    Optional<Bypass> get(BypassId id);

    /**
     * Returns the live record one of whose legs joins the two endpoints, in either order.
     *
     * @param a one endpoint of a leg
     * @param b the other endpoint
     * @return live record, if any
     */
    Optional<Bypass> liveByLeg(TcpEndpoint a, TcpEndpoint b);

    /**
     * Frees legs still claimed by records that are final or were never stored (an instance failed half way).
     *
     * @return number of legs freed
     */
    int sweepLegs();

    /**
     * Claims a proxy's idempotency key for a record, so a repeated request finds the record (put-if-absent). The
     * claim lasts until it is released or the record, which must carry the key, is removed.
     *
     * @param proxy proxy name
     * @param key   the proxy's idempotency key
     * @param id    record id
     * @return the id already holding the key, if any; then nothing changed
     */
    Optional<BypassId> claimIdempotencyKey(String proxy, String key, BypassId id);

    /**
     * Releases a claim on an idempotency key whose request made no record.
     *
     * @param proxy proxy name
     * @param key   the proxy's idempotency key
     * @param id    the record id that claimed it; a claim by another id is left alone
     */
    void releaseIdempotencyKey(String proxy, String key, BypassId id);

    /**
     * Returns the id holding a proxy's idempotency key. Its record may not be stored yet: a request claims the key
     * before it makes the record.
     *
     * @param proxy proxy name
     * @param key   the proxy's idempotency key
     * @return record id, if the key is claimed
     */
    Optional<BypassId> idempotencyKeyHolder(String proxy, String key);

    /**
     * Returns all records.
     *
     * @return records
     */
    Collection<Bypass> all();
}
