package org.tcpbypass.impl;

import org.onlab.packet.Ip4Address;
import org.onlab.packet.MacAddress;
import org.onosproject.core.ApplicationId;
import org.onosproject.core.DefaultApplicationId;
import org.onosproject.net.ConnectPoint;
import org.onosproject.net.DeviceId;
import org.onosproject.net.PortNumber;
import org.tcpbypass.api.Attachment;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.LegState;
import org.tcpbypass.api.OffloadRequest;
import org.tcpbypass.api.RegisteredProxy;
import org.tcpbypass.api.TcpEndpoint;

import java.util.Set;

/**
 * Shared test values: one switch, one proxy, one connection (addresses from 198.18.0.0/15).
 */
final class TestData {

    // What ONOS's core hands out (and its intent serializer knows), not the test adapter's id.
    static final ApplicationId APP_ID = new DefaultApplicationId(42, BypassManager.APP_NAME);
    static final DeviceId DEVICE = DeviceId.deviceId("device:bmv2:s1");
    static final TcpEndpoint CLIENT = TcpEndpoint.valueOf("198.18.0.1:40000");
    static final TcpEndpoint VIP = TcpEndpoint.valueOf("198.18.0.100:80");
    static final TcpEndpoint PROXY = TcpEndpoint.valueOf("198.18.0.2:51000");
    static final TcpEndpoint SERVER = TcpEndpoint.valueOf("198.18.0.3:8080");
    static final ConnectionTuple TUPLE = ConnectionTuple.of(CLIENT, VIP, PROXY, SERVER);
    static final MacAddress CLIENT_MAC = MacAddress.valueOf("00:00:00:00:00:01");
    static final MacAddress PROXY_MAC = MacAddress.valueOf("00:00:00:00:00:02");
    static final MacAddress SERVER_MAC = MacAddress.valueOf("00:00:00:00:00:03");
    static final Attachment CLIENT_AT = Attachment.of(PortNumber.portNumber(1), CLIENT_MAC);
    static final Attachment SERVER_AT = Attachment.of(PortNumber.portNumber(3), SERVER_MAC);
    static final RegisteredProxy PROXY1 = RegisteredProxy.of(
            "proxy1", PROXY.ip(), Set.of(VIP.ip(), Ip4Address.valueOf("198.18.0.101")), PROXY_MAC,
            ConnectPoint.deviceConnectPoint("device:bmv2:s1/2"));

    static final LegState CLIENT_LEG = LegState.builder().sndNxt(1000).rcvNxt(2000).localWindowShift(7)
            .peerWindowShift(6).mss(1460).sackPermitted(true).timestamps(true).tsVal(500).peerTsVal(900).build();
    static final LegState SERVER_LEG = LegState.builder().sndNxt(3000).rcvNxt(4000).localWindowShift(8)
            .peerWindowShift(9).mss(1460).sackPermitted(true).timestamps(true).tsVal(700).peerTsVal(100).build();

    private TestData() {
    }

    /**
     * Returns the endpoints of the n-th test connection: every leg distinct (ports, then client and server
     * addresses, change), all through proxy1.
     */
    static ConnectionTuple tuple(int n) {
        int block = n / 60000;
        int port = 1024 + n % 60000;
        Ip4Address clientIp = Ip4Address.valueOf(Ip4Address.valueOf("198.18.1.0").toInt() + block);
        Ip4Address serverIp = Ip4Address.valueOf(Ip4Address.valueOf("198.18.2.0").toInt() + block);
        return ConnectionTuple.of(TcpEndpoint.of(clientIp, port), VIP, TcpEndpoint.of(PROXY.ip(), port),
                                  TcpEndpoint.of(serverIp, SERVER.port()));
    }

    static OffloadRequest.Builder request() {
        return OffloadRequest.builder().proxy("proxy1").deviceId(DEVICE).tuple(TUPLE)
                .clientLeg(CLIENT_LEG).serverLeg(SERVER_LEG)
                .clientAttachment(CLIENT_AT).serverAttachment(SERVER_AT);
    }
}
