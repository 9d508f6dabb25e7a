package org.tcpbypass.api;

/**
 * Life cycle of a proxied connection: {@code PROXIED -> OFFLOADING -> BYPASSED -> RELEASED}, or {@code FAILED}.
 * A proxied connection that closes goes straight to {@code RELEASED}.
 */
public enum BypassState {
    /** The proxy relays the connection. */
    PROXIED,
    /** An offload was accepted; the switch entries are being installed. */
    OFFLOADING,
    /** The switch carries the connection; the proxy is out of the data path. */
    BYPASSED,
    /** The connection ended or was released; no switch entry remains. */
    RELEASED,
    /** The offload or the bypass failed; no switch entry remains; the reason says why. */
    FAILED;

    /**
     * Returns whether no further transition can happen.
     *
     * @return true for RELEASED and FAILED
     */
    public boolean isFinal() {
        return this == RELEASED || this == FAILED;
    }
}
