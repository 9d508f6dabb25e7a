package org.tcpbypass.gui;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableSet;
import org.easymock.Capture;
import org.junit.Before;
import org.junit.Test;
import org.onlab.packet.IpAddress;
import org.onlab.packet.MacAddress;
import org.onlab.packet.VlanId;
import org.onosproject.net.DefaultHost;
import org.onosproject.net.DeviceId;
import org.onosproject.net.Host;
import org.onosproject.net.HostId;
import org.onosproject.net.HostLocation;
import org.onosproject.net.PortNumber;
import org.onosproject.net.host.HostService;
import org.onosproject.net.provider.ProviderId;
import org.onosproject.ui.JsonUtils;
import org.tcpbypass.api.BypassEvent;
import org.tcpbypass.api.BypassListener;
import org.tcpbypass.api.BypassService;

import java.util.ArrayList;
import java.util.List;

import static org.easymock.EasyMock.anyObject;
import static org.easymock.EasyMock.capture;
import static org.easymock.EasyMock.createMock;
import static org.easymock.EasyMock.expect;
import static org.easymock.EasyMock.replay;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThanOrEqualTo;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;
import static org.tcpbypass.gui.SampleBypasses.S1;
import static org.tcpbypass.gui.SampleBypasses.S2;

/**
 * The topology overlay's highlights: badges per switch, host links of bypassed connections, start/stop and live
 * updates.
 */
public class BypassTopoMessageHandlerTest {

    private static final String SHOW_HIGHLIGHTS = "showHighlights";
    private static final long PERIOD_MS = 100;

    private final Capture<BypassListener> listener = Capture.newInstance();
    private FakeUiConnection connection;
    private BypassTopoMessageHandler handler;

    private static Host host(String ip, DeviceId device, long port) {
        String[] octets = ip.split("\\.");
        MacAddress mac = MacAddress.valueOf(String.format("02:00:00:00:%02x:%02x", Integer.parseInt(octets[2]),
                                                          Integer.parseInt(octets[3])));
        return new DefaultHost(ProviderId.NONE, HostId.hostId(mac, VlanId.NONE), mac, VlanId.NONE,
                               new HostLocation(device, PortNumber.portNumber(port), 0),
                               ImmutableSet.of(IpAddress.valueOf(ip)));
    }

    @Before
    public void setUp() {
        BypassService service = createMock(BypassService.class);
        service.addListener(capture(listener));
        expect(service.bypasses()).andReturn(SampleBypasses.all()).anyTimes();
        HostService hosts = createMock(HostService.class);
        // Bypass 2 on s1: client on s1 port 1, server on another switch (no host link on s1).
        expect(hosts.getHostsByIp(IpAddress.valueOf("198.18.1.2")))
                .andReturn(ImmutableSet.of(host("198.18.1.2", S1, 1))).anyTimes();
        expect(hosts.getHostsByIp(IpAddress.valueOf("198.18.2.2")))
                .andReturn(ImmutableSet.of(host("198.18.2.2", S2, 7))).anyTimes();
        // Bypass 3 on s2: both ends on s2.
        expect(hosts.getHostsByIp(IpAddress.valueOf("198.18.1.3")))
                .andReturn(ImmutableSet.of(host("198.18.1.3", S2, 3))).anyTimes();
        expect(hosts.getHostsByIp(IpAddress.valueOf("198.18.2.3")))
                .andReturn(ImmutableSet.of(host("198.18.2.3", S2, 4))).anyTimes();
        expect(hosts.getHostsByIp(anyObject())).andReturn(ImmutableSet.of()).anyTimes();
        replay(service, hosts);
        connection = new FakeUiConnection();
        handler = new BypassTopoMessageHandler(service, hosts, PERIOD_MS);
        handler.init(connection, null);
    }

    private ObjectNode lastHighlights() {
        List<ObjectNode> all = connection.payloads(SHOW_HIGHLIGHTS);
        assertThat("no highlights sent", all.isEmpty(), is(false));
        return all.get(all.size() - 1);
    }

    private void send(String type) {
        handler.process(JsonUtils.envelope(type, new ObjectMapper().createObjectNode()));
    }

    private static List<String> texts(JsonNode array, String field) {
        List<String> values = new ArrayList<>();
        array.forEach(n -> values.add(n.at(field).asText()));
        return values;
    }

    @Test
    public void startBadgesEverySwitchWithLiveConnections() {
        send(BypassTopoMessageHandler.DISPLAY_START);
        JsonNode devices = lastHighlights().get("devices");
        assertThat(texts(devices, "/id"), containsInAnyOrder("device:bmv2:s1", "device:bmv2:s2"));
        // s1: 2 bypassed, 1 proxied (11 failed does not count); s2: 3 bypassed, 10 offloading.
        assertThat(texts(devices, "/badge/txt"), contains("1/1", "1/1"));
        assertThat(texts(devices, "/badge/status"), contains("i", "i"));
        assertThat(texts(devices, "/badge/msg"), contains("1 bypassed, 1 proxied TCP connections",
                                                          "1 bypassed, 1 proxied TCP connections"));
    }

    @Test
    public void hostLinksOfBypassedConnectionsOnTheirSwitchAreHighlighted() {
        send(BypassTopoMessageHandler.DISPLAY_START);
        ObjectNode h = lastHighlights();
        assertThat(texts(h.get("links"), "/id"), containsInAnyOrder(
                "02:00:00:00:01:02/None/0-device:bmv2:s1/1",
                "02:00:00:00:01:03/None/0-device:bmv2:s2/3",
                "02:00:00:00:02:03/None/0-device:bmv2:s2/4"));
        assertThat(texts(h.get("links"), "/label"), contains("1 bypassed", "1 bypassed", "1 bypassed"));
        assertThat(texts(h.get("links"), "/css"), contains("primary", "primary", "primary"));
        assertThat(h.get("subdue").asText(), is("min"));
    }

    @Test
    public void stopClearsHighlightsAndEventsNoLongerPush() throws Exception {
        send(BypassTopoMessageHandler.DISPLAY_START);
        send(BypassTopoMessageHandler.DISPLAY_STOP);
        ObjectNode cleared = lastHighlights();
        assertThat(cleared.get("devices").size(), is(0));
        assertThat(cleared.get("links").size(), is(0));
        int sent = connection.sent().size();
        listener.getValue().event(new BypassEvent(BypassEvent.Type.ADDED, SampleBypasses.all().get(0)));
        Thread.sleep(3 * PERIOD_MS);
        assertThat(connection.sent(), hasSize(sent));
    }

    @Test
    public void eventsWhileDisplayingPushFreshHighlights() throws Exception {
        send(BypassTopoMessageHandler.DISPLAY_START);
        long start = System.nanoTime();
        for (int i = 0; i < 20; i++) {
            listener.getValue().event(new BypassEvent(BypassEvent.Type.COUNTERS_UPDATED,
                                                      SampleBypasses.all().get(1)));
        }
        long burstMillis = (System.nanoTime() - start) / 1_000_000;
        long deadline = System.currentTimeMillis() + 5000;
        while (connection.payloads(SHOW_HIGHLIGHTS).size() < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        Thread.sleep(3 * PERIOD_MS);
        // The start's push, then one per period the burst of events spanned (one when the machine is not loaded).
        int pushes = connection.payloads(SHOW_HIGHLIGHTS).size();
        assertThat(pushes, greaterThanOrEqualTo(2));
        assertThat("pushes for a burst of " + burstMillis + " ms", (long) pushes,
                   lessThanOrEqualTo(2 + burstMillis / PERIOD_MS));
    }

    @Test
    public void nothingLiveMeansNoHighlights() {
        BypassHighlighter highlighter = new BypassHighlighter(createMock(HostService.class));
        assertTrue(highlighter.highlights(SampleBypasses.all().subList(3, 4)).devices().isEmpty());
        assertThat(highlighter.highlights(SampleBypasses.all().subList(3, 4)).links(), is(empty()));
    }
}
