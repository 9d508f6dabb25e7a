package org.tcpbypass.api;

import org.onlab.packet.Ip4Address;

import java.util.Objects;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * An IPv4 address and TCP port, one end of one leg of a proxied connection.
 */
public final class TcpEndpoint {

    /** Highest TCP port number. */
    public static final int MAX_PORT = 65535;

    private final Ip4Address ip;
    private final int port;

    private TcpEndpoint(Ip4Address ip, int port) {
        this.ip = ip;
        this.port = port;
    }

    /**
     * Returns an endpoint.
     *
     * @param ip   IPv4 address
     * @param port TCP port, 1..65535
     * @return endpoint
     * @throws IllegalArgumentException if the port is out of range
     */
    public static TcpEndpoint of(Ip4Address ip, int port) {
        checkNotNull(ip, "ip");
        checkArgument(port >= 1 && port <= MAX_PORT, "port %s is not in 1..65535", port);
        return new TcpEndpoint(ip, port);
    }

    /**
     * Parses {@code a.b.c.d:port}.
     *
     * @param text endpoint text
     * @return endpoint
     * @throws IllegalArgumentException if the text is not an IPv4 address and port
     */
    public static TcpEndpoint valueOf(String text) {
        int colon = text == null ? -1 : text.lastIndexOf(':');
        checkArgument(colon > 0, "'%s' is not IPv4:port", text);
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has no numeric port", e);
        }
        return of(Ip4Address.valueOf(text.substring(0, colon)), port);
    }

    /**
     * Returns the IPv4 address.
     *
     * @return address
     */
    public Ip4Address ip() {
        return ip;
    }

    /**
     * Returns the TCP port.
     *
     * @return port, 1..65535
     */
    public int port() {
        return port;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TcpEndpoint)) {
            return false;
        }
        TcpEndpoint that = (TcpEndpoint) o;
        return port == that.port && ip.equals(that.ip);
    }

    @Override
    public int hashCode() {
        return Objects.hash(ip, port);
    }

    @Override
    public String toString() {
        return ip + ":" + port;
    }
}
