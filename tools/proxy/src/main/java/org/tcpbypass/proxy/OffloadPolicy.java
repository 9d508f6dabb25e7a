package org.tcpbypass.proxy;

/** When a listener hands its connections to the switch. */
public enum OffloadPolicy {
    /** Relay only. */
    NEVER("never"),
    /** Right after both handshakes (client accepted, backend connected). */
    HANDSHAKE("handshake"),
    /** Once payload has been relayed in both directions (first request and first response). */
    FIRST_EXCHANGE("first-exchange"),
    /** Once a number of payload bytes (both directions together) has been relayed. */
    BYTES("bytes"),
    /** Once a TLS application-data record has been relayed in both directions. */
    TLS("tls");

    private final String text;

    OffloadPolicy(String text) {
        this.text = text;
    }

    /** The name used in configuration. */
    public String text() {
        return text;
    }

    /** Parses a configuration name. */
    public static OffloadPolicy parse(String text) throws ConfigException {
        for (OffloadPolicy p : values()) {
            if (p.text.equals(text)) {
                return p;
            }
        }
        throw new ConfigException("unknown offload policy '" + text
                                          + "' (one of never, handshake, first-exchange, bytes, tls)");
    }
}
