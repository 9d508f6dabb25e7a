package org.tcpbypass.proxy.relay;

/** What the relay tells the rest of the proxy; called on relay worker threads, so it must not block. */
public interface RelayEvents {
    /** Both legs are established. */
    void opened(Relay relay);

    /** The relay has finished (closed, reset or handed off). */
    void closed(Relay relay);

    /** The listener's offload policy says this connection is due for a hand-off (called once per relay). */
    void offloadDue(Relay relay);

    /** Payload bytes relayed, either direction. */
    void relayed(long bytes);
}
