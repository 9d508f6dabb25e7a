package org.tcpbypass.codec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.onosproject.codec.CodecContext;
import org.onosproject.codec.JsonCodec;
import org.tcpbypass.api.Attachment;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.LegState;
import org.tcpbypass.api.OffloadRequest;

import static org.tcpbypass.codec.JsonFields.nested;
import static org.tcpbypass.codec.JsonFields.optionalNested;
import static org.tcpbypass.codec.JsonFields.deviceId;
import static org.tcpbypass.codec.JsonFields.text;

/**
 * JSON codec of an offload request, the body of {@code POST /offloads}.
 */
public final class OffloadRequestCodec extends JsonCodec<OffloadRequest> {

    static final String PROXY = "proxy";
    static final String DEVICE_ID = "deviceId";
    static final String CLIENT_ATTACHMENT = "clientAttachment";
    static final String SERVER_ATTACHMENT = "serverAttachment";
    static final String CLIENT_LEG = "clientLeg";
    static final String SERVER_LEG = "serverLeg";

    @Override
    public ObjectNode encode(OffloadRequest request, CodecContext context) {
        ObjectNode result = context.mapper().createObjectNode()
                .put(PROXY, request.proxy())
                .put(DEVICE_ID, request.deviceId().toString());
        result.setAll(context.encode(request.tuple(), ConnectionTuple.class));
        request.clientAttachment().ifPresent(
                a -> result.set(CLIENT_ATTACHMENT, context.encode(a, Attachment.class)));
        request.serverAttachment().ifPresent(
                a -> result.set(SERVER_ATTACHMENT, context.encode(a, Attachment.class)));
        result.set(CLIENT_LEG, context.encode(request.clientLeg(), LegState.class));
        result.set(SERVER_LEG, context.encode(request.serverLeg(), LegState.class));
        return result;
    }

    @Override
    public OffloadRequest decode(ObjectNode json, CodecContext context) {
        return OffloadRequest.builder()
                .proxy(text(json, PROXY))
                .deviceId(deviceId(json, DEVICE_ID))
                .tuple(context.codec(ConnectionTuple.class).decode(json, context))
                .clientAttachment(optionalNested(json, CLIENT_ATTACHMENT, Attachment.class, context).orElse(null))
                .serverAttachment(optionalNested(json, SERVER_ATTACHMENT, Attachment.class, context).orElse(null))
                .clientLeg(nested(json, CLIENT_LEG, LegState.class, context))
                .serverLeg(nested(json, SERVER_LEG, LegState.class, context))
                .build();
    }
}
