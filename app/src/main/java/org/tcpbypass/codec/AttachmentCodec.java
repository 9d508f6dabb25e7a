package org.tcpbypass.codec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.onosproject.codec.CodecContext;
import org.onosproject.codec.JsonCodec;
import org.onosproject.net.PortNumber;
import org.tcpbypass.api.Attachment;
import org.tcpbypass.api.LegState;

import static org.tcpbypass.codec.JsonFields.integer;
import static org.tcpbypass.codec.JsonFields.mac;

/**
 * JSON codec of where a host attaches: {@code {"port": 1, "mac": "00:00:00:00:00:01"}}, the port being a physical
 * switch port number, 1..4294967295.
 */
public final class AttachmentCodec extends JsonCodec<Attachment> {

    static final String PORT = "port";
    static final String MAC = "mac";

    @Override
    public ObjectNode encode(Attachment attachment, CodecContext context) {
        return context.mapper().createObjectNode()
                .put(PORT, attachment.port().toLong())
                .put(MAC, attachment.mac().toString());
    }

    @Override
    public Attachment decode(ObjectNode json, CodecContext context) {
        PortNumber port = PortNumber.portNumber(integer(json, PORT, 1, LegState.MAX_U32));
        return Attachment.of(port, mac(json, MAC));
    }
}
