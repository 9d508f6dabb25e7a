package org.tcpbypass.codec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.onosproject.codec.CodecContext;
import org.onosproject.codec.JsonCodec;
import org.tcpbypass.api.BypassTranslation;

import static org.tcpbypass.api.BypassDirection.TO_CLIENT;
import static org.tcpbypass.api.BypassDirection.TO_SERVER;

/**
 * JSON codec of a bypass's rewrite: per direction the seq delta and TSval offset (unsigned 32-bit), the window
 * shifts in (the sender's) and out (the one the receiver applies), and the sender's SEQ at the hand-off (in its own
 * numbering; the switch judges a FIN or RST plausible from there).
 */
public final class BypassTranslationCodec extends JsonCodec<BypassTranslation> {

    static final String SEQ_DELTA_TO_SERVER = "seqDeltaToServer";
    static final String SEQ_DELTA_TO_CLIENT = "seqDeltaToClient";
    static final String TS_OFFSET_TO_SERVER = "tsOffsetToServer";
    static final String TS_OFFSET_TO_CLIENT = "tsOffsetToClient";
    static final String WINDOW_SHIFT_IN_TO_SERVER = "windowShiftInToServer";
    static final String WINDOW_SHIFT_OUT_TO_SERVER = "windowShiftOutToServer";
    static final String WINDOW_SHIFT_IN_TO_CLIENT = "windowShiftInToClient";
    static final String WINDOW_SHIFT_OUT_TO_CLIENT = "windowShiftOutToClient";
    static final String HAND_OFF_SEQ_TO_SERVER = "handOffSeqToServer";
    static final String HAND_OFF_SEQ_TO_CLIENT = "handOffSeqToClient";

    @Override
    public ObjectNode encode(BypassTranslation translation, CodecContext context) {
        return context.mapper().createObjectNode()
                .put(SEQ_DELTA_TO_SERVER, translation.seqDelta(TO_SERVER))
                .put(SEQ_DELTA_TO_CLIENT, translation.seqDelta(TO_CLIENT))
                .put(TS_OFFSET_TO_SERVER, translation.tsValDelta(TO_SERVER))
                .put(TS_OFFSET_TO_CLIENT, translation.tsValDelta(TO_CLIENT))
                .put(WINDOW_SHIFT_IN_TO_SERVER, translation.windowShiftIn(TO_SERVER))
                .put(WINDOW_SHIFT_OUT_TO_SERVER, translation.windowShiftOut(TO_SERVER))
                .put(WINDOW_SHIFT_IN_TO_CLIENT, translation.windowShiftIn(TO_CLIENT))
                .put(WINDOW_SHIFT_OUT_TO_CLIENT, translation.windowShiftOut(TO_CLIENT))
                .put(HAND_OFF_SEQ_TO_SERVER, translation.handOffSeq(TO_SERVER))
                .put(HAND_OFF_SEQ_TO_CLIENT, translation.handOffSeq(TO_CLIENT));
    }
}
