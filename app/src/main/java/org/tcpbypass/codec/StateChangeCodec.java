package org.tcpbypass.codec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.onosproject.codec.CodecContext;
import org.onosproject.codec.JsonCodec;
import org.tcpbypass.api.StateChange;

/**
 * JSON codec of a history entry: {@code {"state": "BYPASSED", "time": 1764464400100}}, plus {@code reason} when
 * there is one.
 */
public final class StateChangeCodec extends JsonCodec<StateChange> {

    static final String STATE = "state";
    static final String TIME = "time";
    static final String REASON = "reason";

    @Override
    public ObjectNode encode(StateChange change, CodecContext context) {
        ObjectNode result = context.mapper().createObjectNode()
                .put(STATE, change.state().name())
                .put(TIME, change.time());
        if (change.reason() != null) {
            result.put(REASON, change.reason());
        }
        return result;
    }
}
