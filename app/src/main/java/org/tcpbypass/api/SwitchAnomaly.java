package org.tcpbypass.api;

/**
 * A segment of a bypassed connection the switch would not translate whole, or a close it did not believe; each is
 * counted by the switch (the pipeline's anomaly counter), none is half-translated.
 */
public enum SwitchAnomaly {
    /** An IPv4 fragment: a later fragment carries no TCP header to translate. Dropped. */
    FRAGMENT,
    /** A segment with IPv4 options, which may name the old addresses (source routes). Dropped. */
    IPV4_OPTIONS,
    /** A segment whose TCP options cannot be taken apart, so SACK or timestamps may stay untranslated. Dropped. */
    TCP_OPTIONS,
    /**
     * A FIN or RST whose sequence number lies outside the window the other endpoint last announced (blind, RFC
     * 5961): forwarded (the receiver ignores it too) but not acted on.
     */
    BLIND_CLOSE
}
