package org.tcpbypass.codec;

import org.junit.Test;

import static org.junit.Assert.assertEquals;
import static org.tcpbypass.codec.BypassFixtures.proxy;
import static org.tcpbypass.codec.TestCodecContext.json;

/**
 * Tests the registered proxy codec.
 */
public class RegisteredProxyCodecTest {

    @Test
    public void encodesExactlyWithVipsInAddressOrder() {
        assertEquals(json("{'name':'proxy1','ip':'198.18.0.2','vips':['198.18.0.2','198.18.0.100'],"
                                  + "'mac':'00:00:00:00:00:02','connectPoint':'device:bmv2:s1/2'}"),
                     new RegisteredProxyCodec().encode(proxy(), new TestCodecContext()).toString());
    }
}
