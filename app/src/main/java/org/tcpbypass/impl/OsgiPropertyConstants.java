package org.tcpbypass.impl;

/**
 * Names and defaults of the component properties of {@link BypassManager}. The netcfg values, where given, take
 * precedence over the timing defaults.
 */
public final class OsgiPropertyConstants {

    private OsgiPropertyConstants() {
    }

    public static final String COUNTER_POLL_SECONDS = "counterPollSeconds";
    public static final int COUNTER_POLL_SECONDS_DEFAULT = 5;

    public static final String IDLE_TIMEOUT_SECONDS = "idleTimeoutSeconds";
    /**
     * Five days, like Linux conntrack's established timeout (nf_conntrack_tcp_timeout_established): a bypass is a
     * connection the proxy no longer holds, so releasing it makes its next segment draw a RST from the proxy host.
     * Idle connections (keepalive-less sessions, long polls) must survive; operators may shorten it.
     */
    public static final int IDLE_TIMEOUT_SECONDS_DEFAULT = 432_000;

    public static final String LINGER_MILLIS = "lingerMillis";
    /**
     * How long a bypass outlives the FIN of each direction (or a RST): segments the endpoints still send again (data
     * lost before a FIN, the FIN itself, the last ACK) must be translated, and once the entries are gone they meet
     * the proxy host, which has no socket. Ten seconds cover a few retransmission timeouts; one second was too short in
     * the lab, where an overloaded switch dropped segments just before the FINs and their copies came 2 and 6 s later.
     * At 1000 closes a second it holds about 20,000 of the bypass table's 65,536 entries.
     */
    public static final int LINGER_MILLIS_DEFAULT = 10_000;

    public static final String RETENTION_SECONDS = "retentionSeconds";
    public static final int RETENTION_SECONDS_DEFAULT = 600;

    public static final String OFFLOAD_TIMEOUT_SECONDS = "offloadTimeoutSeconds";
    public static final int OFFLOAD_TIMEOUT_SECONDS_DEFAULT = 10;
}
