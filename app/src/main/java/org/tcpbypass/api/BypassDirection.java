package org.tcpbypass.api;

/**
 * One direction of a bypassed connection; each direction is one entry in the switch's bypass table.
 */
public enum BypassDirection {
    /** Segments the client sends, arriving as {@code client -> vip}, leaving as {@code proxy -> server}. */
    TO_SERVER,
    /** Segments the server sends, arriving as {@code server -> proxy}, leaving as {@code vip -> client}. */
    TO_CLIENT
}
