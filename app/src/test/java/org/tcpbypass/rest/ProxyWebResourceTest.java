package org.tcpbypass.rest;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableSet;
import org.junit.Test;
import org.onlab.packet.Ip4Address;
import org.onlab.packet.MacAddress;
import org.onosproject.net.ConnectPoint;
import org.onosproject.net.PortNumber;
import org.tcpbypass.api.RegisteredProxy;

import javax.ws.rs.core.Response;
import java.io.IOException;

import static org.easymock.EasyMock.expect;
import static org.easymock.EasyMock.replay;
import static org.junit.Assert.assertEquals;
import static org.tcpbypass.codec.BypassFixtures.OTHER_DEVICE;
import static org.tcpbypass.codec.BypassFixtures.proxy;
import static org.tcpbypass.codec.TestCodecContext.json;

/**
 * Tests {@code GET /proxies}.
 */
public class ProxyWebResourceTest extends BypassResourceTest {

    @Test
    public void listsProxiesByName() throws IOException {
        RegisteredProxy second = RegisteredProxy.of("proxy2", Ip4Address.valueOf("198.18.1.2"),
                                                    ImmutableSet.of(Ip4Address.valueOf("198.18.1.100")),
                                                    MacAddress.valueOf("00:00:00:00:01:02"),
                                                    new ConnectPoint(OTHER_DEVICE, PortNumber.portNumber(7)));
        expect(service.proxies()).andReturn(ImmutableList.of(second, proxy()));
        replay(service);

        Response response = target("proxies").request().get();
        assertEquals(200, response.getStatus());
        assertEquals(codecs.mapper().readTree(json(
                "{'proxies':[{'name':'proxy1','ip':'198.18.0.2','vips':['198.18.0.2','198.18.0.100'],"
                        + "'mac':'00:00:00:00:00:02','connectPoint':'device:bmv2:s1/2'},"
                        + "{'name':'proxy2','ip':'198.18.1.2','vips':['198.18.1.100'],"
                        + "'mac':'00:00:00:00:01:02','connectPoint':'device:bmv2:s2/7'}]}")),
                     body(response));
    }
}
