package org.tcpbypass.codec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.onosproject.codec.CodecContext;
import org.onosproject.codec.JsonCodec;
import org.tcpbypass.api.TcpEndpoint;

import static org.tcpbypass.codec.JsonFields.integer;
import static org.tcpbypass.codec.JsonFields.ip4;

/**
 * JSON codec of an endpoint: {@code {"ip": "198.18.0.1", "port": 40000}}.
 */
public final class TcpEndpointCodec extends JsonCodec<TcpEndpoint> {

    static final String IP = "ip";
    static final String PORT = "port";

    @Override
    public ObjectNode encode(TcpEndpoint endpoint, CodecContext context) {
        return context.mapper().createObjectNode()
                .put(IP, endpoint.ip().toString())
                .put(PORT, endpoint.port());
    }

    @Override
    public TcpEndpoint decode(ObjectNode json, CodecContext context) {
        return TcpEndpoint.of(ip4(json, IP), (int) integer(json, PORT, 1, TcpEndpoint.MAX_PORT));
    }
}
