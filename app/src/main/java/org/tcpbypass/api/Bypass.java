package org.tcpbypass.api;

import com.google.common.base.MoreObjects;
import com.google.common.collect.ImmutableList;
import org.onosproject.net.DeviceId;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

/**
 * The record of one proxied connection, from its first report until it is released or fails. Immutable: every
 * change yields a new record.
 */
public final class Bypass {

    private final BypassId id;
    private final String proxy;
    private final DeviceId deviceId;
    private final ConnectionTuple tuple;
    private final BypassState state;
    private final String reason;
    private final BypassTranslation translation;
    private final BypassCounters counters;
    private final List<StateChange> history;
    private final String idempotencyKey;
    private final String releaseAsked;

    private Bypass(BypassId id, String proxy, DeviceId deviceId, ConnectionTuple tuple, BypassState state,
                   String reason, BypassTranslation translation, BypassCounters counters,
                   List<StateChange> history, String idempotencyKey, String releaseAsked) {
        this.id = id;
        this.proxy = proxy;
        this.deviceId = deviceId;
        this.tuple = tuple;
        this.state = state;
        this.reason = reason;
        this.translation = translation;
        this.counters = counters;
        this.history = history;
        this.idempotencyKey = idempotencyKey;
        this.releaseAsked = releaseAsked;
    }

    /**
     * Returns a new record of a connection the proxy relays.
     *
     * @param id       record id
     * @param proxy    proxy name
     * @param deviceId switch the proxy attaches to
     * @param tuple    endpoints
     * @param time     when it was reported, ms since the epoch
     * @return record in state PROXIED
     */
    public static Bypass proxied(BypassId id, String proxy, DeviceId deviceId, ConnectionTuple tuple, long time) {
        return create(id, proxy, deviceId, tuple, BypassState.PROXIED, null, time);
    }

    /**
     * Returns a new record of a connection being offloaded.
     *
     * @param id          record id
     * @param proxy       proxy name
     * @param deviceId    switch that is to carry the connection
     * @param tuple       endpoints
     * @param translation rewrite derived from the legs' state
     * @param time        when the offload was accepted, ms since the epoch
     * @return record in state OFFLOADING
     */
    public static Bypass offloading(BypassId id, String proxy, DeviceId deviceId, ConnectionTuple tuple,
                                    BypassTranslation translation, long time) {
        return create(id, proxy, deviceId, tuple, BypassState.OFFLOADING,
                      checkNotNull(translation, "translation"), time);
    }

    private static Bypass create(BypassId id, String proxy, DeviceId deviceId, ConnectionTuple tuple,
                                 BypassState state, BypassTranslation translation, long time) {
        return new Bypass(checkNotNull(id, "id"), checkNotNull(proxy, "proxy"), checkNotNull(deviceId, "deviceId"),
                          checkNotNull(tuple, "tuple"), state, null, translation, BypassCounters.ZERO,
                          ImmutableList.of(StateChange.of(state, time, null)), null, null);
    }

    /**
     * Returns this record moved to another state.
     *
     * @param newState state entered
     * @param why      reason, or null
     * @param time     when, ms since the epoch
     * @return new record
     * @throws IllegalStateException if this record is already final
     */
    public Bypass withState(BypassState newState, String why, long time) {
        checkNotNull(newState, "state");
        if (state.isFinal()) {
            throw new IllegalStateException("bypass " + id + " is already " + state);
        }
        List<StateChange> changes = ImmutableList.<StateChange>builder()
                .addAll(history).add(StateChange.of(newState, time, why)).build();
        return new Bypass(id, proxy, deviceId, tuple, newState, why, translation, counters, changes,
                          idempotencyKey, releaseAsked);
    }

    /**
     * Returns this record, first reported as proxied, now being offloaded.
     *
     * @param newTranslation rewrite derived from the legs' state
     * @param time           when the offload was accepted, ms since the epoch
     * @return new record in state OFFLOADING
     */
    public Bypass offloading(BypassTranslation newTranslation, long time) {
        checkArgument(state == BypassState.PROXIED, "bypass %s is %s, not PROXIED", id, state);
        return new Bypass(id, proxy, deviceId, tuple, state, reason, checkNotNull(newTranslation, "translation"),
                          counters, history, idempotencyKey, releaseAsked)
                .withState(BypassState.OFFLOADING, null, time);
    }

    /**
     * Returns this record with new counters.
     *
     * @param newCounters counters read from the switch
     * @return new record
     */
    public Bypass withCounters(BypassCounters newCounters) {
        return new Bypass(id, proxy, deviceId, tuple, state, reason, translation,
                          checkNotNull(newCounters, "counters"), history, idempotencyKey, releaseAsked);
    }

    /**
     * Returns this record marked as made by the offload request that carried an idempotency key.
     *
     * @param key the request's {@code Idempotency-Key}, unique per proxy
     * @return new record
     */
    public Bypass withIdempotencyKey(String key) {
        return new Bypass(id, proxy, deviceId, tuple, state, reason, translation, counters, history,
                          checkNotNull(key, "idempotencyKey"), releaseAsked);
    }

    /**
     * Returns this record, still OFFLOADING, with its release asked for: from now on it never becomes BYPASSED, and
     * it ends once the entries that may have reached the switch are withdrawn.
     *
     * @param why reason of the release
     * @return new record
     * @throws IllegalStateException if this record is not OFFLOADING
     */
    public Bypass withReleaseAsked(String why) {
        checkState(state == BypassState.OFFLOADING, "bypass %s is %s, not OFFLOADING", id, state);
        return new Bypass(id, proxy, deviceId, tuple, state, reason, translation, counters, history, idempotencyKey,
                          checkNotNull(why, "why"));
    }

    /**
     * Returns why its release was asked for while it was OFFLOADING, if it was.
     *
     * @return reason of the release asked for before the record became BYPASSED
     */
    public Optional<String> releaseAsked() {
        return Optional.ofNullable(releaseAsked);
    }

    /**
     * Returns the record id.
     *
     * @return id
     */
    public BypassId id() {
        return id;
    }

    /**
     * Returns the name of the proxy that relays or relayed the connection.
     *
     * @return proxy name
     */
    public String proxy() {
        return proxy;
    }

    /**
     * Returns the switch.
     *
     * @return device id
     */
    public DeviceId deviceId() {
        return deviceId;
    }

    /**
     * Returns the connection's endpoints.
     *
     * @return tuple
     */
    public ConnectionTuple tuple() {
        return tuple;
    }

    /**
     * Returns the current state.
     *
     * @return state
     */
    public BypassState state() {
        return state;
    }

    /**
     * Returns why the current state was entered (the failure reason for FAILED).
     *
     * @return reason, or null
     */
    public String reason() {
        return reason;
    }

    /**
     * Returns the rewrite, once an offload was accepted.
     *
     * @return translation
     */
    public Optional<BypassTranslation> translation() {
        return Optional.ofNullable(translation);
    }

    /**
     * Returns the bypass table's counters for this connection.
     *
     * @return counters
     */
    public BypassCounters counters() {
        return counters;
    }

    /**
     * Returns every state entered, oldest first.
     *
     * @return history
     */
    public List<StateChange> history() {
        return history;
    }

    /**
     * Returns the idempotency key of the offload request that made this record, if it carried one.
     *
     * @return key
     */
    public Optional<String> idempotencyKey() {
        return Optional.ofNullable(idempotencyKey);
    }

    /**
     * Returns when the record was created.
     *
     * @return ms since the epoch
     */
    public long created() {
        return history.get(0).time();
    }

    /**
     * Returns when the state last changed.
     *
     * @return ms since the epoch
     */
    public long updated() {
        return history.get(history.size() - 1).time();
    }

    /**
     * Returns when the given state was first entered.
     *
     * @param s state
     * @return ms since the epoch, if ever entered
     */
    public Optional<Long> enteredAt(BypassState s) {
        return history.stream().filter(c -> c.state() == s).map(StateChange::time).findFirst();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Bypass)) {
            return false;
        }
        Bypass that = (Bypass) o;
        return id.equals(that.id) && proxy.equals(that.proxy) && deviceId.equals(that.deviceId)
                && tuple.equals(that.tuple) && state == that.state && Objects.equals(reason, that.reason)
                && Objects.equals(translation, that.translation) && counters.equals(that.counters)
                && history.equals(that.history) && Objects.equals(idempotencyKey, that.idempotencyKey)
                && Objects.equals(releaseAsked, that.releaseAsked);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, proxy, deviceId, tuple, state, reason, translation, counters, history,
                            idempotencyKey, releaseAsked);
    }

    @Override
    public String toString() {
        return MoreObjects.toStringHelper(this).omitNullValues()
                .add("id", id).add("proxy", proxy).add("deviceId", deviceId).add("tuple", tuple)
                .add("state", state).add("reason", reason).add("translation", translation)
                .add("counters", counters).add("idempotencyKey", idempotencyKey).add("releaseAsked", releaseAsked)
                .toString();
    }
}
