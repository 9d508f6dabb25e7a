package org.tcpbypass.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.onosproject.codec.CodecContext;
import org.onosproject.codec.JsonCodec;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassCounters;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.StateChange;

/**
 * JSON codec of a bypass record: id (a decimal string), proxy, switch, state and reason, the endpoints inline,
 * the translation (null before an offload), timestamps, the bypass table's counters and the state history.
 */
public final class BypassCodec extends JsonCodec<Bypass> {

    static final String ID = "id";
    static final String PROXY = "proxy";
    static final String DEVICE_ID = "deviceId";
    static final String STATE = "state";
    static final String REASON = "reason";
    static final String TRANSLATION = "translation";
    static final String CREATED = "created";
    static final String UPDATED = "updated";
    static final String PACKETS_TO_SERVER = "packetsToServer";
    static final String BYTES_TO_SERVER = "bytesToServer";
    static final String PACKETS_TO_CLIENT = "packetsToClient";
    static final String BYTES_TO_CLIENT = "bytesToClient";
    static final String HISTORY = "history";

    @Override
    public ObjectNode encode(Bypass bypass, CodecContext context) {
        ObjectNode result = context.mapper().createObjectNode()
                .put(ID, bypass.id().toString())
                .put(PROXY, bypass.proxy())
                .put(DEVICE_ID, bypass.deviceId().toString())
                .put(STATE, bypass.state().name())
                .put(REASON, bypass.reason());
        result.setAll(context.encode(bypass.tuple(), ConnectionTuple.class));
        result.set(TRANSLATION, bypass.translation()
                .<JsonNode>map(t -> context.encode(t, BypassTranslation.class))
                .orElse(context.mapper().nullNode()));
        BypassCounters counters = bypass.counters();
        result.put(CREATED, bypass.created())
                .put(UPDATED, bypass.updated())
                .put(PACKETS_TO_SERVER, counters.packetsToServer())
                .put(BYTES_TO_SERVER, counters.bytesToServer())
                .put(PACKETS_TO_CLIENT, counters.packetsToClient())
                .put(BYTES_TO_CLIENT, counters.bytesToClient());
        result.set(HISTORY, context.codec(StateChange.class).encode(bypass.history(), context));
        return result;
    }
}
