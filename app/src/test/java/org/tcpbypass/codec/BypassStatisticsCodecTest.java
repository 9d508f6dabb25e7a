package org.tcpbypass.codec;

import com.google.common.collect.ImmutableMap;
import org.junit.Test;
import org.tcpbypass.api.BypassStatistics;

import static org.junit.Assert.assertEquals;
import static org.tcpbypass.codec.BypassFixtures.statistics;
import static org.tcpbypass.codec.TestCodecContext.json;

/**
 * Tests the statistics codec.
 */
public class BypassStatisticsCodecTest {

    private final TestCodecContext context = new TestCodecContext();
    private final BypassStatisticsCodec codec = new BypassStatisticsCodec();

    @Test
    public void encodesExactlyWithEveryStateAndEveryAnomaly() {
        assertEquals(json("{'countByState':{'PROXIED':0,'OFFLOADING':0,'BYPASSED':3,'RELEASED':0,'FAILED':2},"
                                  + "'packetsBypassed':30,'bytesBypassed':4294967296,'handOffs':5,"
                                  + "'handOffP50Millis':12,'handOffP90Millis':40,'handOffP99Millis':95,"
                                  + "'failuresByReason':{'device offline':1,'intent failed':1},"
                                  + "'switchAnomalies':{'FRAGMENT':1,'IPV4_OPTIONS':0,'TCP_OPTIONS':0,'BLIND_CLOSE':2},"
                                  + "'switchesUnread':['device:bmv2:s2']}"),
                     codec.encode(statistics(), context).toString());
    }

    @Test
    public void listsMostFrequentFailuresFirst() {
        BypassStatistics statistics = new BypassStatistics(ImmutableMap.of(), 0, 0, 0, 0, 0, 0,
                                                           ImmutableMap.of("a", 1L, "c", 7L, "b", 7L));
        assertEquals(json("{'b':7,'c':7,'a':1}"), codec.encode(statistics, context).get("failuresByReason").toString());
    }

    @Test
    public void listsEveryAnomalyAsZeroWithoutSwitches() {
        BypassStatistics statistics = new BypassStatistics(ImmutableMap.of(), 0, 0, 0, 0, 0, 0, ImmutableMap.of());
        assertEquals(json("{'FRAGMENT':0,'IPV4_OPTIONS':0,'TCP_OPTIONS':0,'BLIND_CLOSE':0}"),
                     codec.encode(statistics, context).get("switchAnomalies").toString());
        assertEquals("[]", codec.encode(statistics, context).get("switchesUnread").toString());
    }
}
