package org.tcpbypass.api;

import com.google.common.collect.ImmutableList;

import java.util.List;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

/**
 * A proxy's batched report of the connections it started and stopped relaying since its last report.
 */
public final class ConnectionReport {

    private final String proxy;
    private final List<ConnectionTuple> opened;
    private final List<ConnectionTuple> closed;

    private ConnectionReport(String proxy, List<ConnectionTuple> opened, List<ConnectionTuple> closed) {
        this.proxy = proxy;
        this.opened = opened;
        this.closed = closed;
    }

    /**
     * Returns a report.
     *
     * @param proxy  reporting proxy's name
     * @param opened connections it started relaying
     * @param closed connections that closed while it relayed them
     * @return report
     */
    public static ConnectionReport of(String proxy, List<ConnectionTuple> opened, List<ConnectionTuple> closed) {
        checkArgument(proxy != null && !proxy.isEmpty(), "proxy: must not be empty");
        return new ConnectionReport(proxy, ImmutableList.copyOf(checkNotNull(opened, "opened")),
                                    ImmutableList.copyOf(checkNotNull(closed, "closed")));
    }

    /**
     * Returns the reporting proxy's name.
     *
     * @return proxy name
     */
    public String proxy() {
        return proxy;
    }

    /**
     * Returns the connections the proxy started relaying.
     *
     * @return opened connections
     */
    public List<ConnectionTuple> opened() {
        return opened;
    }

    /**
     * Returns the connections that closed while proxied.
     *
     * @return closed connections
     */
    public List<ConnectionTuple> closed() {
        return closed;
    }
}
