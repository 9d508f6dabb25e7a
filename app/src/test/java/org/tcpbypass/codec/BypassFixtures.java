package org.tcpbypass.codec;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSet;
import org.onlab.packet.Ip4Address;
import org.onlab.packet.MacAddress;
import org.onosproject.net.ConnectPoint;
import org.onosproject.net.DeviceId;
import org.onosproject.net.PortNumber;
import org.tcpbypass.api.Attachment;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassCounters;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassStatistics;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.LegState;
import org.tcpbypass.api.OffloadRequest;
import org.tcpbypass.api.RegisteredProxy;
import org.tcpbypass.api.SwitchAnomaly;
import org.tcpbypass.api.TcpEndpoint;

/**
 * The example of docs/offload-protocol.md as model objects, shared by codec and REST tests.
 */
public final class BypassFixtures {

    /** Switch of the example. */
    public static final DeviceId DEVICE = DeviceId.deviceId("device:bmv2:s1");
    /** Another switch. */
    public static final DeviceId OTHER_DEVICE = DeviceId.deviceId("device:bmv2:s2");
    /** When the example's offload was accepted. */
    public static final long CREATED = 1764464400000L;
    /** When the example's bypass became active. */
    public static final long BYPASSED_AT = 1764464400100L;

    private BypassFixtures() {
    }

    /**
     * Returns an endpoint.
     *
     * @param ip   IPv4 address text
     * @param port TCP port
     * @return endpoint
     */
    public static TcpEndpoint endpoint(String ip, int port) {
        return TcpEndpoint.of(Ip4Address.valueOf(ip), port);
    }

    /**
     * Returns the example's endpoints.
     *
     * @return tuple
     */
    public static ConnectionTuple tuple() {
        return tuple(40000);
    }

    /**
     * Returns the example's endpoints with another client port.
     *
     * @param clientPort client's TCP port
     * @return tuple
     */
    public static ConnectionTuple tuple(int clientPort) {
        return ConnectionTuple.of(endpoint("198.18.0.1", clientPort), endpoint("198.18.0.100", 80),
                                  endpoint("198.18.0.2", 51000), endpoint("198.18.0.3", 8080));
    }

    /**
     * Returns the example's client leg state.
     *
     * @return leg state
     */
    public static LegState clientLeg() {
        return LegState.builder().sndNxt(1000).rcvNxt(2000).localWindowShift(7).peerWindowShift(7).mss(1460)
                .sackPermitted(true).timestamps(true).tsVal(500).peerTsVal(900).build();
    }

    /**
     * Returns the example's server leg state.
     *
     * @return leg state
     */
    public static LegState serverLeg() {
        return LegState.builder().sndNxt(3000).rcvNxt(4000).localWindowShift(7).peerWindowShift(7).mss(1460)
                .sackPermitted(true).timestamps(true).tsVal(700).peerTsVal(100).build();
    }

    /**
     * Returns the example's offload request.
     *
     * @return request
     */
    public static OffloadRequest request() {
        return OffloadRequest.builder().proxy("proxy1").deviceId(DEVICE).tuple(tuple())
                .clientAttachment(Attachment.of(PortNumber.portNumber(1), MacAddress.valueOf("00:00:00:00:00:01")))
                .serverAttachment(Attachment.of(PortNumber.portNumber(3), MacAddress.valueOf("00:00:00:00:00:03")))
                .clientLeg(clientLeg()).serverLeg(serverLeg())
                .build();
    }

    /**
     * Returns the example's record right after the offload was accepted.
     *
     * @param id record id
     * @return record in state OFFLOADING
     */
    public static Bypass offloading(long id) {
        return Bypass.offloading(BypassId.of(id), "proxy1", DEVICE, tuple((int) (40000 + id % 1000)),
                                 BypassTranslation.of(clientLeg(), serverLeg()), CREATED);
    }

    /**
     * Returns the example's record once the switch carries it, with some traffic counted.
     *
     * @param id record id
     * @return record in state BYPASSED
     */
    public static Bypass bypassed(long id) {
        return offloading(id).withState(BypassState.BYPASSED, null, BYPASSED_AT)
                .withCounters(BypassCounters.of(10, 15000, 20, 4294967296L));
    }

    /**
     * Returns the example's registered proxy.
     *
     * @return proxy
     */
    public static RegisteredProxy proxy() {
        return RegisteredProxy.of("proxy1", Ip4Address.valueOf("198.18.0.2"),
                                  ImmutableSet.of(Ip4Address.valueOf("198.18.0.100"), Ip4Address.valueOf("198.18.0.2")),
                                  MacAddress.valueOf("00:00:00:00:00:02"),
                                  new ConnectPoint(DEVICE, PortNumber.portNumber(2)));
    }

    /**
     * Returns a statistics summary.
     *
     * @return statistics
     */
    public static BypassStatistics statistics() {
        return new BypassStatistics(ImmutableMap.of(BypassState.BYPASSED, 3L, BypassState.FAILED, 2L),
                                    30, 4294967296L, 5, 12, 40, 95,
                                    ImmutableMap.of("device offline", 1L, "intent failed", 1L))
                .withSwitchAnomalies(ImmutableMap.of(SwitchAnomaly.BLIND_CLOSE, 2L, SwitchAnomaly.FRAGMENT, 1L),
                                     ImmutableSet.of(DeviceId.deviceId("device:bmv2:s2")));
    }
}
