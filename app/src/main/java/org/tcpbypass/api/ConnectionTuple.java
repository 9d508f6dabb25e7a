package org.tcpbypass.api;

import java.util.Objects;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * The four endpoints of one proxied TCP connection: the client leg {@code client -> vip} and the server leg
 * {@code proxy -> server}.
 */
public final class ConnectionTuple {

    private final TcpEndpoint client;
    private final TcpEndpoint vip;
    private final TcpEndpoint proxy;
    private final TcpEndpoint server;

    private ConnectionTuple(TcpEndpoint client, TcpEndpoint vip, TcpEndpoint proxy, TcpEndpoint server) {
        this.client = client;
        this.vip = vip;
        this.proxy = proxy;
        this.server = server;
    }

    /**
     * Returns a tuple.
     *
     * @param client client endpoint of the client leg
     * @param vip    proxy's listening endpoint of the client leg
     * @param proxy  proxy's source endpoint of the server leg
     * @param server server endpoint of the server leg
     * @return tuple
     * @throws IllegalArgumentException if the two legs are the same 4-tuple
     */
    public static ConnectionTuple of(TcpEndpoint client, TcpEndpoint vip, TcpEndpoint proxy, TcpEndpoint server) {
        checkNotNull(client, "client");
        checkNotNull(vip, "vip");
        checkNotNull(proxy, "proxyAddress");
        checkNotNull(server, "server");
        checkArgument(!(client.equals(proxy) && vip.equals(server)) && !(client.equals(server) && vip.equals(proxy)),
                      "client leg and server leg are the same connection");
        return new ConnectionTuple(client, vip, proxy, server);
    }

    /**
     * Returns the client endpoint of the client leg.
     *
     * @return client endpoint
     */
    public TcpEndpoint client() {
        return client;
    }

    /**
     * Returns the proxy's listening endpoint (VIP) of the client leg.
     *
     * @return VIP endpoint
     */
    public TcpEndpoint vip() {
        return vip;
    }

    /**
     * Returns the proxy's source endpoint of the server leg.
     *
     * @return proxy endpoint
     */
    public TcpEndpoint proxy() {
        return proxy;
    }

    /**
     * Returns the server endpoint of the server leg.
     *
     * @return server endpoint
     */
    public TcpEndpoint server() {
        return server;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof ConnectionTuple)) {
            return false;
        }
        ConnectionTuple that = (ConnectionTuple) o;
        return client.equals(that.client) && vip.equals(that.vip)
                && proxy.equals(that.proxy) && server.equals(that.server);
    }

    @Override
    public int hashCode() {
        return Objects.hash(client, vip, proxy, server);
    }

    @Override
    public String toString() {
        return client + "->" + vip + " | " + proxy + "->" + server;
    }
}
