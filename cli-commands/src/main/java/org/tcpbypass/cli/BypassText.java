package org.tcpbypass.cli;

import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.ConnectionTuple;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Text the bypass commands share: legs, ages and state names as operators read them.
 */
final class BypassText {

    private static final long SECOND = 1000;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;

    private BypassText() {
    }

    /**
     * Returns the client leg, {@code client->vip}.
     *
     * @param tuple connection endpoints
     * @return text
     */
    static String clientLeg(ConnectionTuple tuple) {
        return tuple.client() + "->" + tuple.vip();
    }

    /**
     * Returns the server leg, {@code proxy->server}.
     *
     * @param tuple connection endpoints
     * @return text
     */
    static String serverLeg(ConnectionTuple tuple) {
        return tuple.proxy() + "->" + tuple.server();
    }

    /**
     * Returns a record's age, e.g. {@code 3m07s}, at the given time.
     *
     * @param bypass record
     * @param now    ms since the epoch
     * @return age, in the two largest units
     */
    static String age(Bypass bypass, long now) {
        long ms = Math.max(0, now - bypass.created());
        if (ms >= DAY) {
            return String.format("%dd%02dh", ms / DAY, ms % DAY / HOUR);
        }
        if (ms >= HOUR) {
            return String.format("%dh%02dm", ms / HOUR, ms % HOUR / MINUTE);
        }
        if (ms >= MINUTE) {
            return String.format("%dm%02ds", ms / MINUTE, ms % MINUTE / SECOND);
        }
        return ms / SECOND + "s";
    }

    /**
     * Parses a state name, in any case.
     *
     * @param text state name
     * @return state
     * @throws IllegalArgumentException naming the valid states
     */
    static BypassState state(String text) {
        try {
            return BypassState.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("state '" + text + "' is not one of " + Arrays.stream(
                    BypassState.values()).map(Enum::name).collect(Collectors.joining(", ")), e);
        }
    }
}
