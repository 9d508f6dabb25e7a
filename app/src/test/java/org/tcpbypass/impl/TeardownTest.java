package org.tcpbypass.impl;

import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.onlab.packet.Ethernet;
import org.onlab.packet.IPv4;
import org.onlab.osgi.ComponentContextAdapter;
import org.onlab.packet.TCP;
import org.onosproject.net.ConnectPoint;
import org.onosproject.net.PortNumber;
import org.onosproject.net.flow.DefaultFlowEntry;
import org.onosproject.net.flow.DefaultTrafficTreatment;
import org.onosproject.net.flow.FlowEntry;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.intent.FlowRuleIntent;
import org.onosproject.net.intent.Intent;
import org.onosproject.net.intent.IntentEvent;
import org.onosproject.net.intent.Key;
import org.onosproject.net.packet.DefaultInboundPacket;
import org.onosproject.net.packet.DefaultPacketContext;
import org.onosproject.net.packet.OutboundPacket;
import org.onosproject.net.packet.PacketContext;
import org.onosproject.store.service.TestStorageService;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassCounters;
import org.tcpbypass.api.BypassDirection;
import org.tcpbypass.api.BypassEvent;
import org.tcpbypass.api.TcpEndpoint;

import java.nio.ByteBuffer;
import java.util.Dictionary;
import java.util.Hashtable;
import java.util.ArrayList;
import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.tcpbypass.api.BypassState.BYPASSED;
import static org.tcpbypass.api.BypassState.OFFLOADING;
import static org.tcpbypass.api.BypassState.RELEASED;
import static org.tcpbypass.impl.TestData.APP_ID;
import static org.tcpbypass.impl.TestData.CLIENT;
import static org.tcpbypass.impl.TestData.PROXY;
import static org.tcpbypass.impl.TestData.SERVER;
import static org.tcpbypass.impl.TestData.VIP;
import static org.tcpbypass.impl.TestData.request;

/**
 * Teardown of a bypass: FIN/RST and new-connection copies from the switch, idle counters, the linger.
 */
public class TeardownTest {

    private static final int FIN = 0x01;
    private static final int SYN = 0x02;
    private static final int RST = 0x04;
    private static final int ACK = 0x10;

    @Rule
    public final ManagerHarness h = new ManagerHarness(new TestStorageService());
    private Bypass bypass;
    private Intent intent;

    @Before
    public void setUp() {
        bypass = h.manager.offload(request().build());
        intent = h.intents.getIntent(Key.of(bypass.id().toString(), APP_ID));
        h.intents.fire(IntentEvent.Type.INSTALLED, intent);
        h.drain();
    }

    /** A segment as the switch copies it to the controller. */
    private static Ethernet frame(TcpEndpoint src, TcpEndpoint dst, int flags) {
        TCP tcp = new TCP();
        tcp.setSourcePort(src.port());
        tcp.setDestinationPort(dst.port());
        tcp.setFlags((short) flags);
        tcp.setSequence(7);
        tcp.setDataOffset((byte) 5);
        IPv4 ip = new IPv4();
        ip.setSourceAddress(src.ip().toInt());
        ip.setDestinationAddress(dst.ip().toInt());
        ip.setProtocol(IPv4.PROTOCOL_TCP);
        ip.setTtl((byte) 64);
        ip.setPayload(tcp);
        Ethernet eth = new Ethernet();
        eth.setEtherType(Ethernet.TYPE_IPV4);
        eth.setSourceMACAddress(TestData.CLIENT_MAC);
        eth.setDestinationMACAddress(TestData.PROXY_MAC);
        eth.setPayload(ip);
        return eth;
    }

    /** A frame as it reaches the controller from a switch port, parsed by ONOS's deserializers. */
    private static PacketContext packetIn(Ethernet eth, String connectPoint) {
        byte[] frame = eth.serialize();
        Ethernet parsed;
        try {
            parsed = Ethernet.deserializer().deserialize(frame, 0, frame.length);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        DefaultInboundPacket in = new DefaultInboundPacket(ConnectPoint.deviceConnectPoint(connectPoint),
                                                           parsed, ByteBuffer.wrap(frame));
        return new DefaultPacketContext(0, in, null, false) {
            @Override
            public void send() {
            }
        };
    }

    private PacketContext packetIn(TcpEndpoint src, TcpEndpoint dst, int flags) {
        return process(packetIn(frame(src, dst, flags), "device:bmv2:s1/1"));
    }

    private PacketContext process(PacketContext context) {
        h.processor.process(context);
        h.drain();
        return context;
    }

    private void assertWithdrawn(String reason) {
        assertEquals(List.of(intent), h.intents.withdrawn);
        h.intents.fire(IntentEvent.Type.WITHDRAWN, intent);
        h.drain();
        Bypass b = h.manager.bypass(bypass.id()).orElseThrow();
        assertEquals(RELEASED, b.state());
        assertEquals(reason, b.reason());
    }

    @Test
    public void finInBothDirectionsReleasesAfterTheLinger() {
        assertTrue("copy of a bypassed segment is consumed", packetIn(CLIENT, VIP, FIN | ACK).isHandled());
        assertTrue("one FIN is not the end", h.intents.withdrawn.isEmpty());
        packetIn(CLIENT, VIP, FIN | ACK);
        assertTrue("the same direction twice is still one FIN", h.intents.withdrawn.isEmpty());
        // The server's FIN as the switch rewrote it (vip -> client) counts for the other direction.
        packetIn(VIP, CLIENT, FIN | ACK);
        assertWithdrawn(CloseWatcher.BOTH_FINS);
    }

    @Test
    public void finsSeenOnTheServerLegCount() {
        packetIn(SERVER, PROXY, FIN | ACK);
        packetIn(PROXY, SERVER, FIN | ACK);
        assertWithdrawn(CloseWatcher.BOTH_FINS);
    }

    @Test
    public void oneRstReleases() {
        packetIn(SERVER, PROXY, RST);
        packetIn(CLIENT, VIP, RST);
        assertWithdrawn(CloseWatcher.RST);
    }

    @Test
    public void segmentCompletingANewHandshakeEndsTheStaleBypassWithoutTheLinger() {
        h.reconfigure("{'proxies': [" + BypassConfigTest.PROXY_JSON + "], 'lingerMillis': 600000}");
        assertTrue("copy of a new connection's third segment is consumed", packetIn(CLIENT, VIP, ACK).isHandled());
        assertWithdrawn(CloseWatcher.NEW_CONNECTION);
    }

    @Test
    public void aNewConnectionDuringTheLingerAfterBothFinsEndsTheStaleBypassAtOnce() {
        h.reconfigure("{'proxies': [" + BypassConfigTest.PROXY_JSON + "], 'lingerMillis': 600000}");
        packetIn(CLIENT, VIP, FIN | ACK);
        packetIn(VIP, CLIENT, FIN | ACK);
        assertTrue("both FINs wait out the linger", h.intents.withdrawn.isEmpty());
        // The client reuses its port at once: the stale entries would translate its next segments to the server.
        assertTrue("copy of a new connection's third segment is consumed", packetIn(CLIENT, VIP, ACK).isHandled());
        assertWithdrawn(CloseWatcher.NEW_CONNECTION);
    }

    @Test
    public void aPuntedSegmentOfAConnectionStillOffloadingEndsNothing() {
        Bypass offloading = h.manager.offload(request().tuple(TestData.tuple(2)).build());
        packetIn(TestData.tuple(2).client(), VIP, ACK);
        assertEquals(OFFLOADING, h.manager.bypass(offloading.id()).orElseThrow().state());
        assertTrue(h.intents.withdrawn.isEmpty());
    }

    @Test
    public void synAndSynAckOnABypassedTupleEndNothing() {
        assertFalse("SYN on the client leg", packetIn(CLIENT, VIP, SYN).isHandled());
        assertFalse("SYN-ACK to the client", packetIn(VIP, CLIENT, SYN | ACK).isHandled());
        assertFalse("SYN-ACK on the server leg", packetIn(SERVER, PROXY, SYN | ACK).isHandled());
        assertTrue(h.intents.withdrawn.isEmpty());
    }

    @Test
    public void framesTheBypassSwitchDoesNotCopyEndNothing() {
        assertFalse("punted by another switch", process(packetIn(frame(CLIENT, VIP, RST), "device:bmv2:s2/1"))
                .isHandled());
        Ethernet tagged = frame(CLIENT, VIP, ACK);
        tagged.setVlanID((short) 100);
        assertFalse("802.1Q-tagged", process(packetIn(tagged, "device:bmv2:s1/1")).isHandled());
        Ethernet laterFragment = frame(CLIENT, VIP, RST);
        ((IPv4) laterFragment.getPayload()).setFragmentOffset((short) 13);
        assertFalse("later fragment", process(packetIn(laterFragment, "device:bmv2:s1/1")).isHandled());
        assertFalse("neither ACK, FIN nor RST", packetIn(CLIENT, VIP, 0x08).isHandled());
        assertTrue(h.intents.withdrawn.isEmpty());
    }

    @Test
    public void otherTrafficIsLeftToOtherApps() {
        assertFalse("ACK of another connection", packetIn(TcpEndpoint.valueOf("198.18.0.50:1234"), VIP, ACK)
                .isHandled());
        assertFalse("FIN of another connection", packetIn(TcpEndpoint.valueOf("198.18.0.50:1234"), VIP, FIN)
                .isHandled());
        assertFalse("SYN of another connection", packetIn(TcpEndpoint.valueOf("198.18.0.50:1234"), VIP, SYN)
                .isHandled());
        assertTrue(h.intents.withdrawn.isEmpty());
    }

    @Test
    public void lingerDelaysTheRelease() throws Exception {
        h.reconfigure("{'proxies': [" + BypassConfigTest.PROXY_JSON + "], 'lingerMillis': 300}");
        long start = System.nanoTime();
        packetIn(CLIENT, VIP, RST);
        assertTrue(h.intents.withdrawn.isEmpty());
        long deadline = System.currentTimeMillis() + 5000;
        while (h.intents.withdrawn.isEmpty() && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        h.drain();
        assertTrue("released no earlier than the linger", (System.nanoTime() - start) / 1_000_000 >= 300);
        assertWithdrawn(CloseWatcher.RST);
    }

    private List<FlowEntry> entries(long toServerPackets, long toServerBytes, long toClientPackets,
                                    long toClientBytes) {
        List<FlowRule> rules = new ArrayList<>(((FlowRuleIntent) intent).flowRules());
        return List.of(new DefaultFlowEntry(rules.get(0), FlowEntry.FlowEntryState.ADDED, 1, toServerPackets,
                                            toServerBytes),
                       new DefaultFlowEntry(rules.get(1), FlowEntry.FlowEntryState.ADDED, 1, toClientPackets,
                                            toClientBytes));
    }

    @Test
    public void guardEntriesDoNotCount() {
        List<FlowRule> rules = new ArrayList<>(((FlowRuleIntent) intent).flowRules());
        h.flowEntries.addAll(entries(10, 1000, 20, 30000));
        h.flowEntries.add(new DefaultFlowEntry(rules.get(2), FlowEntry.FlowEntryState.ADDED, 1, 5, 500));
        h.flowEntries.add(new DefaultFlowEntry(rules.get(3), FlowEntry.FlowEntryState.ADDED, 1, 6, 600));
        h.housekeeping();
        assertEquals(BypassCounters.of(10, 1000, 20, 30000), h.manager.bypass(bypass.id()).get().counters());
        assertEquals(2, h.manager.flowEntries(bypass.id()).size());
    }

    @Test
    public void countersFollowTheSwitchAndIdleBypassesAreReleased() {
        h.flowEntries.addAll(entries(10, 1000, 20, 30000));
        h.housekeeping();
        assertEquals(BypassCounters.of(10, 1000, 20, 30000), h.manager.bypass(bypass.id()).get().counters());
        assertEquals(BypassEvent.Type.COUNTERS_UPDATED, h.events.get(h.events.size() - 1).type());
        assertEquals(2, h.manager.flowEntries(bypass.id()).size());
        assertEquals(31000, h.manager.statistics().bytesBypassed());
        assertEquals(30, h.manager.statistics().packetsBypassed());

        h.now += 29_000;
        h.housekeeping();
        assertTrue("not idle yet", h.intents.withdrawn.isEmpty());
        h.flowEntries.clear();
        h.flowEntries.addAll(entries(11, 1100, 20, 30000));
        h.housekeeping();
        h.now += 29_999;
        h.housekeeping();
        assertTrue("moved 29.999 s ago", h.intents.withdrawn.isEmpty());
        h.now += 1;
        assertProbedThenReleased(30_000, "idle: no packet for 30 s and no answer to 3 keepalive probes in 30 s");
    }

    /**
     * The idle timeout has just passed: both endpoints are probed at this poll and the next two (one frame per
     * direction through the switch's pipeline), and the bypass is released when its counters stood still for the
     * answer window after the first probe.
     */
    private void assertProbedThenReleased(long answerMillis, String reason) {
        h.emitted.clear();
        h.housekeeping();
        assertProbes(2);
        h.now += 5_000;
        h.housekeeping();
        h.now += 5_000;
        h.housekeeping();
        assertProbes(6);
        h.now += answerMillis - 10_000 - 1;
        h.housekeeping();
        h.drain();
        assertTrue("no answer yet, the window still open", h.intents.withdrawn.isEmpty());
        assertProbes(6);
        h.now += 1;
        h.housekeeping();
        h.drain();
        assertEquals(BYPASSED, h.manager.bypass(bypass.id()).get().state());
        assertWithdrawn(reason);
    }

    // Every packet-out so far is a probe template of this bypass, sent through the pipeline of its switch, to
    // each endpoint in turn.
    private void assertProbes(int count) {
        assertEquals(count, h.emitted.size());
        for (int i = 0; i < count; i++) {
            OutboundPacket out = h.emitted.get(i);
            assertEquals(TestData.DEVICE, out.sendThrough());
            assertEquals(DefaultTrafficTreatment.builder().setOutput(PortNumber.TABLE).build(), out.treatment());
            BypassDirection direction = BypassDirection.values()[i % 2];
            assertEquals(ByteBuffer.wrap(KeepaliveProbe.frame(h.manager.bypass(bypass.id()).get(), direction)),
                         out.data());
        }
    }

    @Test
    public void anIdleBypassWhoseEndpointsAnswerTheProbesIsKept() {
        h.flowEntries.addAll(entries(10, 1000, 20, 30000));
        h.housekeeping();
        h.now += 30_000;
        h.housekeeping();
        assertProbes(2);
        // The answers (an ACK each way) cross the bypass.
        h.flowEntries.clear();
        h.flowEntries.addAll(entries(11, 1060, 21, 30060));
        h.now += 5_000;
        h.housekeeping();
        assertProbes(2);
        h.now += 29_999;
        h.housekeeping();
        h.drain();
        assertTrue("answered: idle again only 30 s after the answer", h.intents.withdrawn.isEmpty());
        assertProbes(2);
        assertEquals(BypassCounters.of(11, 1060, 21, 30060), h.manager.bypass(bypass.id()).get().counters());
        h.now += 1;
        assertProbedThenReleased(30_000, "idle: no packet for 30 s and no answer to 3 keepalive probes in 30 s");
    }

    @Test
    public void aBypassShorterThanOnePollEndsWithTheSwitchCounters() {
        h.flowEntries.addAll(entries(3, 300, 2, 200));
        packetIn(CLIENT, VIP, RST);
        assertEquals(List.of(intent), h.intents.withdrawn);
        // The withdrawal removes the entries and their counters with them.
        h.flowEntries.clear();
        assertWithdrawn(CloseWatcher.RST);
        assertEquals(BypassCounters.of(3, 300, 2, 200), h.manager.bypass(bypass.id()).get().counters());
        assertEquals(500, h.manager.statistics().bytesBypassed());
    }

    @Test
    public void releaseReadsTheCountersMovedSinceTheLastPoll() {
        h.flowEntries.addAll(entries(10, 1000, 20, 30000));
        h.housekeeping();
        h.flowEntries.clear();
        h.flowEntries.addAll(entries(12, 1200, 21, 31000));
        h.flowListings = 0;
        h.manager.release(bypass.id(), "released by test");
        assertEquals("the release looks its two entries up by rule, without listing the device's entries", 0,
                     h.flowListings);
        h.drain();
        h.flowEntries.clear();
        assertWithdrawn("released by test");
        assertEquals(BypassCounters.of(12, 1200, 21, 31000), h.manager.bypass(bypass.id()).get().counters());
    }

    @Test
    public void idleBypassesAreKeptForFiveDaysByDefault() {
        h.reconfigure("{'proxies': [" + BypassConfigTest.PROXY_JSON + "], 'lingerMillis': 0}");
        h.flowEntries.addAll(entries(1, 100, 1, 100));
        h.housekeeping();
        h.now += 60_000;
        h.housekeeping();
        assertTrue("idle for the former default of 60 s", h.intents.withdrawn.isEmpty());
        h.now += 432_000_000L - 60_000 - 1;
        h.housekeeping();
        assertTrue("idle for 5 days less 1 ms", h.intents.withdrawn.isEmpty());
        h.now += 1;
        assertProbedThenReleased(IdleMonitor.ANSWER_MILLIS,
                                 "idle: no packet for 432000 s and no answer to 3 keepalive probes in 60 s");
    }

    @Test
    public void componentPropertiesAreTheDefaultsTheNetcfgOverrides() {
        h.reconfigure("{'proxies': [" + BypassConfigTest.PROXY_JSON + "], 'lingerMillis': 0}");
        h.manager.modified(new ComponentContextAdapter() {
            @Override
            public Dictionary<String, Object> getProperties() {
                Hashtable<String, Object> p = new Hashtable<>();
                p.put(OsgiPropertyConstants.IDLE_TIMEOUT_SECONDS, "10");
                p.put(OsgiPropertyConstants.COUNTER_POLL_SECONDS, "1");
                return p;
            }
        });
        h.flowEntries.addAll(entries(1, 100, 1, 100));
        h.housekeeping();
        h.now += 9_999;
        h.housekeeping();
        assertTrue(h.intents.withdrawn.isEmpty());
        h.now += 1;
        assertProbedThenReleased(10_000, "idle: no packet for 10 s and no answer to 3 keepalive probes in 10 s");
    }

    @Test
    public void switchesMasteredElsewhereAreNotPolled() {
        h.mastered.clear();
        h.flowEntries.addAll(entries(10, 1000, 20, 30000));
        h.housekeeping();
        assertEquals(BypassCounters.ZERO, h.manager.bypass(bypass.id()).get().counters());
    }
}
