package org.tcpbypass.cli;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import org.onlab.packet.Ip4Address;
import org.onlab.packet.MacAddress;
import org.onosproject.core.ApplicationId;
import org.onosproject.core.DefaultApplicationId;
import org.onosproject.net.ConnectPoint;
import org.onosproject.net.DeviceId;
import org.onosproject.net.PortNumber;
import org.onosproject.net.flow.DefaultFlowEntry;
import org.onosproject.net.flow.FlowEntry;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.flow.criteria.Criterion;
import org.onosproject.net.flow.criteria.IPCriterion;
import org.onosproject.net.intent.FlowRuleIntent;
import org.onosproject.net.intent.MockIdGenerator;
import org.tcpbypass.api.Attachment;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassCounters;
import org.tcpbypass.api.BypassDirection;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassStatistics;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.LegState;
import org.tcpbypass.api.RegisteredProxy;
import org.tcpbypass.api.SwitchAnomaly;
import org.tcpbypass.api.TcpEndpoint;
import org.tcpbypass.impl.BypassIntentCompiler;

/**
 * Sample records, proxies, flow entries and statistics, as the offload protocol's example describes them.
 */
final class TestBypasses {

    static final DeviceId S1 = DeviceId.deviceId("device:bmv2:s1");
    static final DeviceId S2 = DeviceId.deviceId("device:bmv2:s2");
    static final ApplicationId APP_ID = new DefaultApplicationId(7, "org.tcpbypass");
    static final String PROXY = "proxy1";

    /** 2026-11-30T00:53:20Z. */
    static final long T0 = 1_796_000_000_000L;

    static final ConnectionTuple TUPLE = tuple("198.18.0.1:40000", "198.18.0.2:51000");
    static final ConnectionTuple TUPLE_18 = tuple("198.18.0.4:40001", "198.18.0.2:51001");
    static final ConnectionTuple TUPLE_5 = tuple("198.18.0.5:40002", "198.18.0.2:51002");

    /** The client leg of the protocol example: client seq 2000.., proxy seq 1000... */
    static final LegState CLIENT_LEG = LegState.builder().sndNxt(1000).rcvNxt(2000).localWindowShift(7)
            .peerWindowShift(7).mss(1460).sackPermitted(true).timestamps(true).tsVal(500).peerTsVal(900).build();
    /** The server leg of the protocol example: proxy seq 3000.., server seq 4000... */
    static final LegState SERVER_LEG = LegState.builder().sndNxt(3000).rcvNxt(4000).localWindowShift(7)
            .peerWindowShift(7).mss(1460).sackPermitted(true).timestamps(true).tsVal(700).peerTsVal(100).build();
    static final BypassTranslation TRANSLATION = BypassTranslation.of(CLIENT_LEG, SERVER_LEG);

    static final RegisteredProxy PROXY1 = RegisteredProxy.of(
            PROXY, Ip4Address.valueOf("198.18.0.2"),
            ImmutableSet.of(Ip4Address.valueOf("198.18.0.100"), Ip4Address.valueOf("198.18.0.101")),
            MacAddress.valueOf("00:00:00:00:00:02"), new ConnectPoint(S1, PortNumber.portNumber(2)));
    static final RegisteredProxy PROXY2 = RegisteredProxy.of(
            "proxy2", Ip4Address.valueOf("198.18.1.2"), ImmutableSet.of(Ip4Address.valueOf("198.18.1.100")),
            MacAddress.valueOf("00:00:00:00:01:02"), new ConnectPoint(S2, PortNumber.portNumber(4)));

    static final BypassStatistics STATISTICS = new BypassStatistics(
            ImmutableMap.of(BypassState.PROXIED, 1L, BypassState.BYPASSED, 1L, BypassState.FAILED, 2L),
            18, 15_120, 3, 12, 30, 45,
            ImmutableMap.of("intent failed", 1L, "device removed", 1L))
            .withSwitchAnomalies(ImmutableMap.of(SwitchAnomaly.BLIND_CLOSE, 3L), ImmutableSet.of(S2));

    private TestBypasses() {
    }

    private static ConnectionTuple tuple(String client, String proxy) {
        return ConnectionTuple.of(TcpEndpoint.valueOf(client), TcpEndpoint.valueOf("198.18.0.100:80"),
                                  TcpEndpoint.valueOf(proxy), TcpEndpoint.valueOf("198.18.0.3:8080"));
    }

    /**
     * Returns bypass 17: offloaded at t0 on s1, bypassed 120 ms later, 18 packets carried since.
     *
     * @param t0 when it was offloaded
     * @return record
     */
    static Bypass bypassed(long t0) {
        return Bypass.offloading(BypassId.of(17), PROXY, S1, TUPLE, TRANSLATION, t0)
                .withState(BypassState.BYPASSED, null, t0 + 120)
                .withCounters(BypassCounters.of(10, 14_600, 8, 520));
    }

    /**
     * Returns bypass 18: relayed by the proxy on s1 since t0.
     *
     * @param t0 when the proxy reported it
     * @return record
     */
    static Bypass proxied(long t0) {
        return Bypass.proxied(BypassId.of(18), PROXY, S1, TUPLE_18, t0);
    }

    /**
     * Returns bypass 5: offloaded at t0 on s2, failed 50 ms later.
     *
     * @param t0 when it was offloaded
     * @return record
     */
    static Bypass failed(long t0) {
        return Bypass.offloading(BypassId.of(5), PROXY, S2, TUPLE_5, TRANSLATION, t0)
                .withState(BypassState.FAILED, "intent failed", t0 + 50);
    }

    /**
     * Returns the switch's bypass table entry for one direction of bypass 17, as the app's bypass intent compiler
     * writes it.
     *
     * @param direction direction
     * @param packets   packets counted
     * @param bytes     bytes counted
     * @return flow entry, ADDED
     */
    static FlowEntry flow(BypassDirection direction, long packets, long bytes) {
        return entry(direction, BYPASS_TABLE, packets, bytes);
    }

    /**
     * Returns the switch's guard table entry for one direction of bypass 17 (FIN/RST plausibility, SYN), as the app's
     * bypass intent compiler writes it; the guard table counts nothing.
     *
     * @param direction direction
     * @return flow entry, ADDED
     */
    static FlowEntry guard(BypassDirection direction) {
        return entry(direction, GUARD_TABLE, 0, 0);
    }

    private static final String BYPASS_TABLE = "ingress.bypass.bypass_table";
    private static final String GUARD_TABLE = "ingress.bypass.bypass_guard";

    private static FlowEntry entry(BypassDirection direction, String table, long packets, long bytes) {
        // Intents take their ids from ONOS's generator.
        MockIdGenerator.cleanBind();
        FlowRuleIntent compiled;
        try {
            compiled = BypassIntentCompiler.compile(APP_ID, bypassed(0), Attachment.of(PortNumber.portNumber(1),
                                                                       MacAddress.valueOf("00:00:00:00:00:01")),
                                                    Attachment.of(PortNumber.portNumber(3),
                                                                  MacAddress.valueOf("00:00:00:00:00:03")),
                                                    PROXY1.mac());
        } finally {
            MockIdGenerator.unbind();
        }
        Ip4Address source = (direction == BypassDirection.TO_SERVER ? TUPLE.client() : TUPLE.server()).ip();
        FlowRule rule = compiled.flowRules().stream()
                .filter(r -> ((IPCriterion) r.selector().getCriterion(Criterion.Type.IPV4_SRC)).ip().address()
                        .equals(source))
                .filter(r -> r.table().toString().equals(table))
                .findFirst().orElseThrow();
        return new DefaultFlowEntry(rule, FlowEntry.FlowEntryState.ADDED, 12, packets, bytes);
    }
}
