package org.tcpbypass.codec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.onosproject.codec.CodecContext;
import org.onosproject.codec.JsonCodec;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.TcpEndpoint;

import static org.tcpbypass.codec.JsonFields.nested;

/**
 * JSON codec of a connection's endpoints: {@code client}, {@code vip} (the client leg) and {@code proxyAddress},
 * {@code server} (the server leg). Offload requests and bypass records carry these fields inline.
 */
public final class ConnectionTupleCodec extends JsonCodec<ConnectionTuple> {

    static final String CLIENT = "client";
    static final String VIP = "vip";
    static final String PROXY_ADDRESS = "proxyAddress";
    static final String SERVER = "server";

    @Override
    public ObjectNode encode(ConnectionTuple tuple, CodecContext context) {
        ObjectNode result = context.mapper().createObjectNode();
        result.set(CLIENT, context.encode(tuple.client(), TcpEndpoint.class));
        result.set(VIP, context.encode(tuple.vip(), TcpEndpoint.class));
        result.set(PROXY_ADDRESS, context.encode(tuple.proxy(), TcpEndpoint.class));
        result.set(SERVER, context.encode(tuple.server(), TcpEndpoint.class));
        return result;
    }

    @Override
    public ConnectionTuple decode(ObjectNode json, CodecContext context) {
        TcpEndpoint client = nested(json, CLIENT, TcpEndpoint.class, context);
        TcpEndpoint vip = nested(json, VIP, TcpEndpoint.class, context);
        TcpEndpoint proxy = nested(json, PROXY_ADDRESS, TcpEndpoint.class, context);
        TcpEndpoint server = nested(json, SERVER, TcpEndpoint.class, context);
        try {
            return ConnectionTuple.of(client, vip, proxy, server);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException(SERVER, "the server leg " + proxy + "->" + server
                    + " is the same connection as the client leg " + client + "->" + vip);
        }
    }
}
