package org.tcpbypass.codec;

import org.junit.Test;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.LegState;
import org.tcpbypass.api.StateChange;

import static org.junit.Assert.assertEquals;
import static org.tcpbypass.codec.BypassFixtures.DEVICE;
import static org.tcpbypass.codec.BypassFixtures.bypassed;
import static org.tcpbypass.codec.BypassFixtures.clientLeg;
import static org.tcpbypass.codec.BypassFixtures.serverLeg;
import static org.tcpbypass.codec.BypassFixtures.tuple;
import static org.tcpbypass.codec.TestCodecContext.json;

/**
 * Tests the bypass record codec with its translation and history codecs.
 */
public class BypassCodecTest {

    private static final String ENDPOINTS = "'client':{'ip':'198.18.0.1','port':%d},"
            + "'vip':{'ip':'198.18.0.100','port':80},'proxyAddress':{'ip':'198.18.0.2','port':51000},"
            + "'server':{'ip':'198.18.0.3','port':8080}";

    private final TestCodecContext context = new TestCodecContext();

    @Test
    public void encodesABypassedRecordInDocumentOrder() {
        assertEquals(json("{'id':'17','proxy':'proxy1','deviceId':'device:bmv2:s1','state':'BYPASSED',"
                                  + "'reason':null," + String.format(ENDPOINTS, 40017) + ","
                                  + "'translation':{'seqDeltaToServer':1000,'seqDeltaToClient':4294964296,"
                                  + "'tsOffsetToServer':4294967096,'tsOffsetToClient':400,"
                                  + "'windowShiftInToServer':7,'windowShiftOutToServer':7,"
                                  + "'windowShiftInToClient':7,'windowShiftOutToClient':7,"
                                  + "'handOffSeqToServer':2000,'handOffSeqToClient':4000},"
                                  + "'created':1764464400000,'updated':1764464400100,"
                                  + "'packetsToServer':10,'bytesToServer':15000,"
                                  + "'packetsToClient':20,'bytesToClient':4294967296,"
                                  + "'history':[{'state':'OFFLOADING','time':1764464400000},"
                                  + "{'state':'BYPASSED','time':1764464400100}]}"),
                     new BypassCodec().encode(bypassed(17), context).toString());
    }

    @Test
    public void encodesAProxiedRecordWithoutTranslationAndWithReasons() {
        Bypass released = Bypass.proxied(BypassId.of(3), "proxy1", DEVICE, tuple(), 5)
                .withState(BypassState.RELEASED, "closed by client", 9);
        assertEquals(json("{'id':'3','proxy':'proxy1','deviceId':'device:bmv2:s1','state':'RELEASED',"
                                  + "'reason':'closed by client'," + String.format(ENDPOINTS, 40000) + ","
                                  + "'translation':null,'created':5,'updated':9,"
                                  + "'packetsToServer':0,'bytesToServer':0,'packetsToClient':0,'bytesToClient':0,"
                                  + "'history':[{'state':'PROXIED','time':5},"
                                  + "{'state':'RELEASED','time':9,'reason':'closed by client'}]}"),
                     new BypassCodec().encode(released, context).toString());
    }

    @Test
    public void encodesTheDocumentedTranslation() {
        assertEquals(json("{'seqDeltaToServer':1000,'seqDeltaToClient':4294964296,'tsOffsetToServer':4294967096,"
                                  + "'tsOffsetToClient':400,'windowShiftInToServer':7,'windowShiftOutToServer':7,"
                                  + "'windowShiftInToClient':7,'windowShiftOutToClient':7,"
                                  + "'handOffSeqToServer':2000,'handOffSeqToClient':4000}"),
                     new BypassTranslationCodec().encode(BypassTranslation.of(clientLeg(), serverLeg()), context)
                             .toString());
    }

    @Test
    public void encodesWrappedDeltasAsUnsigned32BitAndShiftsPerDirection() {
        LegState client = LegState.builder().sndNxt(4294967295L).rcvNxt(1).localWindowShift(2).peerWindowShift(3)
                .mss(1460).timestamps(true).tsVal(0).peerTsVal(4294967295L).build();
        LegState server = LegState.builder().sndNxt(0).rcvNxt(0).localWindowShift(4).peerWindowShift(5)
                .mss(1460).timestamps(true).tsVal(5).peerTsVal(1).build();
        assertEquals(json("{'seqDeltaToServer':4294967295,'seqDeltaToClient':4294967295,'tsOffsetToServer':6,"
                                  + "'tsOffsetToClient':4294967295,'windowShiftInToServer':3,"
                                  + "'windowShiftOutToServer':4,'windowShiftInToClient':5,"
                                  + "'windowShiftOutToClient':2,'handOffSeqToServer':1,'handOffSeqToClient':0}"),
                     new BypassTranslationCodec().encode(BypassTranslation.of(client, server), context).toString());
    }

    @Test
    public void encodesHistoryEntries() {
        StateChangeCodec codec = new StateChangeCodec();
        assertEquals(json("{'state':'FAILED','time':4294967296,'reason':'intent failed'}"),
                     codec.encode(StateChange.of(BypassState.FAILED, 4294967296L, "intent failed"), context)
                             .toString());
        assertEquals(json("{'state':'OFFLOADING','time':0}"),
                     codec.encode(StateChange.of(BypassState.OFFLOADING, 0, null), context).toString());
    }
}
