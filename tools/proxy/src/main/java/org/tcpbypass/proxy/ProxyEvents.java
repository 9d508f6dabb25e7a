package org.tcpbypass.proxy;

import org.tcpbypass.proxy.offload.ConnectionReporter;
import org.tcpbypass.proxy.offload.Offloader;
import org.tcpbypass.proxy.relay.Relay;
import org.tcpbypass.proxy.relay.RelayEvents;

/** Routes relay events to the metrics, the connection reports and the offloader (either may be absent). */
final class ProxyEvents implements RelayEvents {
    private final Metrics metrics;
    private volatile ConnectionReporter reporter;
    private volatile Offloader offloader;

    ProxyEvents(Metrics metrics) {
        this.metrics = metrics;
    }

    void connect(ConnectionReporter r, Offloader o) {
        this.reporter = r;
        this.offloader = o;
    }

    @Override
    public void opened(Relay relay) {
        metrics.opened();
        ConnectionReporter r = reporter;
        if (r != null) {
            r.opened(relay);
        }
    }

    @Override
    public void closed(Relay relay) {
        if (relay.proxyAddress() == null) {
            return;
        }
        metrics.closed();
        ConnectionReporter r = reporter;
        // a handed-off connection lives on as the bypass: reporting it closed would tell the app to release it
        if (r != null && relay.state() != Relay.State.HANDED_OFF) {
            r.closed(relay);
        }
    }

    @Override
    public void offloadDue(Relay relay) {
        Offloader o = offloader;
        if (o != null) {
            o.offload(relay);
        }
    }

    @Override
    public void relayed(long bytes) {
        metrics.relayed(bytes);
    }
}
