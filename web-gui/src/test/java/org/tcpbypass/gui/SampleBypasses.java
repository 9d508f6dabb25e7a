package org.tcpbypass.gui;

import com.google.common.collect.ImmutableList;
import org.onosproject.net.DeviceId;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassCounters;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.LegState;
import org.tcpbypass.api.TcpEndpoint;

import java.util.List;

/**
 * Bypass records for the tests: one per state on two switches, with counters and ages chosen so that every
 * sortable column orders them differently.
 */
final class SampleBypasses {

    /** The tests' "now", ms since the epoch. */
    static final long NOW = 1_800_000_000_000L;

    static final DeviceId S1 = DeviceId.deviceId("device:bmv2:s1");
    static final DeviceId S2 = DeviceId.deviceId("device:bmv2:s2");
    static final String PROXY = "proxy1";
    static final String VIP = "198.18.0.1:80";
    static final String PROXY_IP = "198.18.0.1";

    private static final BypassTranslation TRANSLATION = BypassTranslation.of(
            LegState.builder().sndNxt(1000).rcvNxt(5000).mss(1460).build(),
            LegState.builder().sndNxt(9000).rcvNxt(2000).mss(1460).build());

    private SampleBypasses() {
    }

    /**
     * Returns a tuple for client and server numbers.
     *
     * @param client last octet of the client address
     * @param server last octet of the server address
     * @return tuple client 198.18.1.c:40000+c -> VIP, proxy 198.18.0.1:50000+c -> 198.18.2.s:8080
     */
    static ConnectionTuple tuple(int client, int server) {
        return ConnectionTuple.of(TcpEndpoint.valueOf("198.18.1." + client + ":" + (40000 + client)),
                                  TcpEndpoint.valueOf(VIP),
                                  TcpEndpoint.valueOf(PROXY_IP + ":" + (50000 + client)),
                                  TcpEndpoint.valueOf("198.18.2." + server + ":8080"));
    }

    /**
     * Returns a record in a state.
     *
     * @param id        record id
     * @param device    switch
     * @param state     state
     * @param ageMillis time since creation at {@link #NOW}
     * @param counters  bypass counters
     * @return record
     */
    static Bypass record(long id, DeviceId device, BypassState state, long ageMillis, BypassCounters counters) {
        long created = NOW - ageMillis;
        Bypass b = Bypass.proxied(BypassId.of(id), PROXY, device, tuple((int) id, (int) id), created);
        if (state == BypassState.PROXIED) {
            return b;
        }
        if (state == BypassState.RELEASED) {
            return b.withState(state, "closed by client", created + 1);
        }
        b = b.offloading(TRANSLATION, created + 1);
        if (state == BypassState.BYPASSED || state == BypassState.FAILED) {
            b = b.withState(state, state == BypassState.FAILED ? "intent failed" : null, created + 2);
        }
        return b.withCounters(counters);
    }

    /**
     * Returns five records: 1 PROXIED (s1, 5 s old), 2 BYPASSED (s1, 125 s, 1.5 MB), 3 BYPASSED (s2, 2 h, 80 kB),
     * 10 OFFLOADING (s2, 3 s), 11 FAILED (s1, 2 days).
     *
     * @return records, in no particular order
     */
    static List<Bypass> all() {
        return ImmutableList.of(
                record(10, S2, BypassState.OFFLOADING, 3_000, BypassCounters.ZERO),
                record(2, S1, BypassState.BYPASSED, 125_000, BypassCounters.of(700, 1_000_000, 600, 572_864)),
                record(1, S1, BypassState.PROXIED, 5_000, BypassCounters.ZERO),
                record(11, S1, BypassState.FAILED, 2 * 86_400_000L + 3_600_000L, BypassCounters.ZERO),
                record(3, S2, BypassState.BYPASSED, 7_200_000, BypassCounters.of(40, 60_000, 30, 20_000)));
    }
}
