package org.tcpbypass.codec;

import org.junit.Test;
import org.tcpbypass.api.LegState;

import static org.junit.Assert.assertEquals;
import static org.tcpbypass.codec.BypassFixtures.clientLeg;
import static org.tcpbypass.codec.CodecAssertions.assertInvalid;
import static org.tcpbypass.codec.TestCodecContext.json;

/**
 * Tests the leg state codec, unsigned 32-bit values above all.
 */
public class LegStateCodecTest {

    private static final String BASE = "'rcvNxt':2000,'localWindowShift':7,'peerWindowShift':7,'mss':1460,"
            + "'sackPermitted':true,";

    private final TestCodecContext context = new TestCodecContext();
    private final LegStateCodec codec = new LegStateCodec();

    private LegState decode(String singleQuoted) {
        return codec.decode(context.object(singleQuoted), context);
    }

    private LegState decodeWithSndNxt(String sndNxt) {
        return decode("{'sndNxt':" + sndNxt + "," + BASE + "'timestamps':false}");
    }

    @Test
    public void encodesExactly() {
        assertEquals(json("{'sndNxt':1000,'rcvNxt':2000,'localWindowShift':7,'peerWindowShift':7,'mss':1460,"
                                  + "'sackPermitted':true,'timestamps':true,'ecn':false,'tsVal':500,'peerTsVal':900}"),
                     codec.encode(clientLeg(), context).toString());
    }

    @Test
    public void ecnRoundTripsAndIsFalseWhenAbsent() {
        LegState ecn = decode("{'sndNxt':1," + BASE + "'timestamps':false,'ecn':true}");
        assertEquals(true, ecn.ecn());
        assertEquals(ecn, codec.decode(codec.encode(ecn, context), context));
        assertEquals(false, decode("{'sndNxt':1," + BASE + "'timestamps':false}").ecn());
        assertEquals(false, decode("{'sndNxt':1," + BASE + "'timestamps':false,'ecn':null}").ecn());
        assertInvalid("ecn: must be true or false, not 1",
                      () -> decode("{'sndNxt':1," + BASE + "'timestamps':false,'ecn':1}"));
    }

    @Test
    public void leavesTimestampValuesOutWithoutTimestamps() {
        LegState leg = LegState.builder().sndNxt(0).rcvNxt(4294967295L).localWindowShift(0).peerWindowShift(14)
                .mss(536).build();
        assertEquals(json("{'sndNxt':0,'rcvNxt':4294967295,'localWindowShift':0,'peerWindowShift':14,'mss':536,"
                                  + "'sackPermitted':false,'timestamps':false,'ecn':false}"),
                     codec.encode(leg, context).toString());
        assertEquals(leg, codec.decode(codec.encode(leg, context), context));
    }

    @Test
    public void roundTripsUnsigned32BitLimits() {
        LegState leg = LegState.builder().sndNxt(4294967295L).rcvNxt(0).localWindowShift(14).peerWindowShift(0)
                .mss(65535).sackPermitted(true).timestamps(true).tsVal(4294967295L).peerTsVal(0).build();
        assertEquals(leg, codec.decode(codec.encode(leg, context), context));
        assertEquals(4294967295L, decodeWithSndNxt("4294967295").sndNxt());
    }

    @Test
    public void rejectsSequenceNumbersOutOfRange() {
        String range = " is not in 0..4294967295";
        assertInvalid("sndNxt: 4294967296" + range, () -> decodeWithSndNxt("4294967296"));
        assertInvalid("sndNxt: -1" + range, () -> decodeWithSndNxt("-1"));
        assertInvalid("sndNxt: 9223372036854775808" + range, () -> decodeWithSndNxt("9223372036854775808"));
        assertInvalid("sndNxt: -99999999999999999999" + range, () -> decodeWithSndNxt("-99999999999999999999"));
        assertInvalid("sndNxt: 1234567890123456789012345678901234567890..." + range,
                      () -> decodeWithSndNxt("12345678901234567890123456789012345678901234567890"));
        assertInvalid("sndNxt: must be an integer, not \"1000\"", () -> decodeWithSndNxt("'1000'"));
        assertInvalid("sndNxt: must be an integer, not 1000.0", () -> decodeWithSndNxt("1000.0"));
        assertInvalid("sndNxt: is required", () -> decodeWithSndNxt("null"));
    }

    @Test
    public void rejectsOptionsOutOfRange() {
        String leg = "{'sndNxt':1,'rcvNxt':2,'localWindowShift':%s,'peerWindowShift':%s,'mss':%s,"
                + "'sackPermitted':%s,'timestamps':false}";
        assertInvalid("localWindowShift: 15 is not in 0..14",
                      () -> decode(String.format(leg, 15, 0, 1460, true)));
        assertInvalid("peerWindowShift: -1 is not in 0..14",
                      () -> decode(String.format(leg, 0, -1, 1460, true)));
        assertInvalid("mss: 0 is not in 1..65535", () -> decode(String.format(leg, 0, 0, 0, true)));
        assertInvalid("mss: 65536 is not in 1..65535", () -> decode(String.format(leg, 0, 0, 65536, true)));
        assertInvalid("sackPermitted: must be true or false, not \"true\"",
                      () -> decode(String.format(leg, 0, 0, 1460, "'true'")));
        assertInvalid("sackPermitted: must be true or false, not 1",
                      () -> decode(String.format(leg, 0, 0, 1460, 1)));
    }

    @Test
    public void requiresTimestampValuesOnlyWithTimestamps() {
        assertInvalid("timestamps: is required", () -> decode("{'sndNxt':1," + BASE.replaceAll(",$", "}")));
        assertInvalid("tsVal: is required", () -> decode("{'sndNxt':1," + BASE + "'timestamps':true}"));
        assertInvalid("peerTsVal: 4294967296 is not in 0..4294967295",
                      () -> decode("{'sndNxt':1," + BASE + "'timestamps':true,'tsVal':1,'peerTsVal':4294967296}"));
        assertInvalid("tsVal: must be 0 or absent when timestamps is false",
                      () -> decode("{'sndNxt':1," + BASE + "'timestamps':false,'tsVal':5}"));
        assertInvalid("peerTsVal: must be 0 or absent when timestamps is false",
                      () -> decode("{'sndNxt':1," + BASE + "'timestamps':false,'peerTsVal':5}"));
        LegState zeros = decode("{'sndNxt':1," + BASE + "'timestamps':false,'tsVal':0,'peerTsVal':null}");
        assertEquals(0, zeros.tsVal());
    }
}
