package org.tcpbypass.impl;

import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.TcpEndpoint;

import java.util.Objects;

/**
 * One leg of a proxied connection as an unordered pair of endpoints, so a segment finds its connection whichever
 * way it travels and whether or not the switch already rewrote it.
 */
final class Leg {

    private final TcpEndpoint low;
    private final TcpEndpoint high;

    private Leg(TcpEndpoint low, TcpEndpoint high) {
        this.low = low;
        this.high = high;
    }

    /**
     * Returns the leg joining two endpoints, in either order.
     *
     * @param a one endpoint
     * @param b the other endpoint
     * @return leg
     */
    static Leg of(TcpEndpoint a, TcpEndpoint b) {
        return compare(a, b) <= 0 ? new Leg(a, b) : new Leg(b, a);
    }

    /**
     * Returns the client leg, {@code client <-> vip}.
     *
     * @param tuple connection endpoints
     * @return client leg
     */
    static Leg clientLeg(ConnectionTuple tuple) {
        return of(tuple.client(), tuple.vip());
    }

    /**
     * Returns the server leg, {@code proxy <-> server}.
     *
     * @param tuple connection endpoints
     * @return server leg
     */
    static Leg serverLeg(ConnectionTuple tuple) {
        return of(tuple.proxy(), tuple.server());
    }

    private static int compare(TcpEndpoint a, TcpEndpoint b) {
        int byIp = Integer.compareUnsigned(a.ip().toInt(), b.ip().toInt());
        return byIp != 0 ? byIp : Integer.compare(a.port(), b.port());
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Leg)) {
            return false;
        }
        Leg that = (Leg) o;
        return low.equals(that.low) && high.equals(that.high);
    }

    @Override
    public int hashCode() {
        return Objects.hash(low, high);
    }

    @Override
    public String toString() {
        return low + "<->" + high;
    }
}
