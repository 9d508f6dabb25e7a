package org.tcpbypass.api;

import org.onlab.util.Identifier;

/**
 * Identifies one proxied connection's record, unique across the cluster.
 */
public final class BypassId extends Identifier<Long> {

    private BypassId(long value) {
        super(value);
    }

    /**
     * Returns the id with the given value.
     *
     * @param value id value
     * @return bypass id
     */
    public static BypassId of(long value) {
        return new BypassId(value);
    }

    /**
     * Parses an id from its decimal text.
     *
     * @param text decimal id
     * @return bypass id
     * @throws IllegalArgumentException if the text is not a non-negative decimal number
     */
    public static BypassId valueOf(String text) {
        try {
            long value = Long.parseLong(text);
            if (value < 0) {
                throw new IllegalArgumentException("bypass id '" + text + "' is negative");
            }
            return of(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bypass id '" + text + "' is not a number", e);
        }
    }

    @Override
    public String toString() {
        return Long.toString(identifier);
    }
}
