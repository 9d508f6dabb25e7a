package org.tcpbypass.codec;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.onosproject.codec.CodecContext;
import org.onosproject.codec.JsonCodec;
import org.onosproject.net.ConnectPoint;
import org.tcpbypass.api.RegisteredProxy;

/**
 * JSON codec of a registered proxy: name, address, VIPs (in address order), MAC and the switch port it attaches
 * to as {@code device:bmv2:s1/2}.
 */
public final class RegisteredProxyCodec extends JsonCodec<RegisteredProxy> {

    static final String NAME = "name";
    static final String IP = "ip";
    static final String VIPS = "vips";
    static final String MAC = "mac";
    static final String CONNECT_POINT = "connectPoint";

    @Override
    public ObjectNode encode(RegisteredProxy proxy, CodecContext context) {
        ObjectNode result = context.mapper().createObjectNode()
                .put(NAME, proxy.name())
                .put(IP, proxy.ip().toString());
        ArrayNode vips = result.putArray(VIPS);
        proxy.vips().stream().sorted().forEach(vip -> vips.add(vip.toString()));
        ConnectPoint cp = proxy.connectPoint();
        return result.put(MAC, proxy.mac().toString())
                .put(CONNECT_POINT, cp.deviceId() + "/" + cp.port().toLong());
    }
}
