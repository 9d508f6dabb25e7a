package org.tcpbypass.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.onosproject.codec.CodecContext;
import org.onosproject.codec.JsonCodec;
import org.tcpbypass.api.LegState;
import org.tcpbypass.api.TcpEndpoint;

import static org.tcpbypass.api.LegState.MAX_U32;
import static org.tcpbypass.api.LegState.MAX_WINDOW_SHIFT;
import static org.tcpbypass.codec.JsonFields.bool;
import static org.tcpbypass.codec.JsonFields.integer;

/**
 * JSON codec of one leg's TCP state. Sequence numbers and timestamps are unsigned 32-bit; {@code tsVal} and
 * {@code peerTsVal} are required when {@code timestamps} is true and absent (or 0) otherwise; an absent {@code ecn}
 * means ECN was not negotiated (what a proxy that does not read it reports).
 */
public final class LegStateCodec extends JsonCodec<LegState> {

    static final String SND_NXT = "sndNxt";
    static final String RCV_NXT = "rcvNxt";
    static final String LOCAL_WINDOW_SHIFT = "localWindowShift";
    static final String PEER_WINDOW_SHIFT = "peerWindowShift";
    static final String MSS = "mss";
    static final String SACK_PERMITTED = "sackPermitted";
    static final String TIMESTAMPS = "timestamps";
    static final String ECN = "ecn";
    static final String TS_VAL = "tsVal";
    static final String PEER_TS_VAL = "peerTsVal";

    @Override
    public ObjectNode encode(LegState leg, CodecContext context) {
        ObjectNode result = context.mapper().createObjectNode()
                .put(SND_NXT, leg.sndNxt())
                .put(RCV_NXT, leg.rcvNxt())
                .put(LOCAL_WINDOW_SHIFT, leg.localWindowShift())
                .put(PEER_WINDOW_SHIFT, leg.peerWindowShift())
                .put(MSS, leg.mss())
                .put(SACK_PERMITTED, leg.sackPermitted())
                .put(TIMESTAMPS, leg.timestamps())
                .put(ECN, leg.ecn());
        if (leg.timestamps()) {
            result.put(TS_VAL, leg.tsVal()).put(PEER_TS_VAL, leg.peerTsVal());
        }
        return result;
    }

    @Override
    public LegState decode(ObjectNode json, CodecContext context) {
        LegState.Builder leg = LegState.builder()
                .sndNxt(integer(json, SND_NXT, 0, MAX_U32))
                .rcvNxt(integer(json, RCV_NXT, 0, MAX_U32))
                .localWindowShift((int) integer(json, LOCAL_WINDOW_SHIFT, 0, MAX_WINDOW_SHIFT))
                .peerWindowShift((int) integer(json, PEER_WINDOW_SHIFT, 0, MAX_WINDOW_SHIFT))
                .mss((int) integer(json, MSS, 1, TcpEndpoint.MAX_PORT))
                .sackPermitted(bool(json, SACK_PERMITTED))
                .ecn(bool(json, ECN, false));
        if (bool(json, TIMESTAMPS)) {
            leg.timestamps(true)
                    .tsVal(integer(json, TS_VAL, 0, MAX_U32))
                    .peerTsVal(integer(json, PEER_TS_VAL, 0, MAX_U32));
        } else {
            requireZeroOrAbsent(json, TS_VAL);
            requireZeroOrAbsent(json, PEER_TS_VAL);
        }
        return leg.build();
    }

    private static void requireZeroOrAbsent(ObjectNode json, String field) {
        JsonNode node = json.get(field);
        if (node != null && !node.isNull() && integer(json, field, 0, MAX_U32) != 0) {
            throw new InvalidFieldException(field, "must be 0 or absent when timestamps is false");
        }
    }
}
