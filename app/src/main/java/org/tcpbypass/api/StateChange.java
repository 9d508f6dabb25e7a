package org.tcpbypass.api;

import java.util.Objects;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * One entry of a bypass record's history: the state entered, when, and why.
 */
public final class StateChange {

    private final BypassState state;
    private final long time;
    private final String reason;

    private StateChange(BypassState state, long time, String reason) {
        this.state = state;
        this.time = time;
        this.reason = reason;
    }

    /**
     * Returns a state change.
     *
     * @param state  state entered
     * @param time   wall-clock time, ms since the epoch
     * @param reason why, or null
     * @return state change
     */
    public static StateChange of(BypassState state, long time, String reason) {
        return new StateChange(checkNotNull(state, "state"), time, reason);
    }

    /**
     * Returns the state entered.
     *
     * @return state
     */
    public BypassState state() {
        return state;
    }

    /**
     * Returns when the state was entered.
     *
     * @return ms since the epoch
     */
    public long time() {
        return time;
    }

    /**
     * Returns why the state was entered.
     *
     * @return reason, or null
     */
    public String reason() {
        return reason;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof StateChange)) {
            return false;
        }
        StateChange that = (StateChange) o;
        return time == that.time && state == that.state && Objects.equals(reason, that.reason);
    }

    @Override
    public int hashCode() {
        return Objects.hash(state, time, reason);
    }

    @Override
    public String toString() {
        return state + "@" + time + (reason == null ? "" : " (" + reason + ")");
    }
}
