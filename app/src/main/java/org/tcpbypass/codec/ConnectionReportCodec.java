package org.tcpbypass.codec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.onosproject.codec.CodecContext;
import org.onosproject.codec.JsonCodec;
import org.tcpbypass.api.ConnectionReport;
import org.tcpbypass.api.ConnectionTuple;

import static org.tcpbypass.codec.JsonFields.nestedList;
import static org.tcpbypass.codec.JsonFields.text;

/**
 * JSON codec of a proxy's batched connection report, the body of {@code POST /connections}; an absent
 * {@code opened} or {@code closed} list is empty.
 */
public final class ConnectionReportCodec extends JsonCodec<ConnectionReport> {

    static final String PROXY = "proxy";
    static final String OPENED = "opened";
    static final String CLOSED = "closed";

    @Override
    public ObjectNode encode(ConnectionReport report, CodecContext context) {
        ObjectNode result = context.mapper().createObjectNode().put(PROXY, report.proxy());
        result.set(OPENED, context.codec(ConnectionTuple.class).encode(report.opened(), context));
        result.set(CLOSED, context.codec(ConnectionTuple.class).encode(report.closed(), context));
        return result;
    }

    @Override
    public ConnectionReport decode(ObjectNode json, CodecContext context) {
        return ConnectionReport.of(text(json, PROXY),
                                   nestedList(json, OPENED, ConnectionTuple.class, context),
                                   nestedList(json, CLOSED, ConnectionTuple.class, context));
    }
}
