package org.tcpbypass.api;

import org.onosproject.event.AbstractEvent;

/**
 * A change of a bypass record.
 */
public final class BypassEvent extends AbstractEvent<BypassEvent.Type, Bypass> {

    /** Kinds of change. */
    public enum Type {
        /** A record was created. */
        ADDED,
        /** A record changed state. */
        STATE_CHANGED,
        /** A record's counters changed. */
        COUNTERS_UPDATED,
        /** A final record was purged after its retention time. */
        REMOVED
    }

    /**
     * Creates an event.
     *
     * @param type   kind of change
     * @param bypass record after the change (before it, for REMOVED)
     */
    public BypassEvent(Type type, Bypass bypass) {
        super(type, bypass);
    }
}
