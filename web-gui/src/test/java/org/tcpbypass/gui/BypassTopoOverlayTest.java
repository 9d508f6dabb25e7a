package org.tcpbypass.gui;

import com.google.common.collect.ImmutableMap;
import org.junit.Before;
import org.junit.Test;
import org.onosproject.net.DeviceId;
import org.onosproject.net.host.HostService;
import org.onosproject.ui.topo.Highlights;
import org.onosproject.ui.topo.NodeBadge;
import org.onosproject.ui.topo.PropertyPanel;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassStatistics;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.easymock.EasyMock.createMock;
import static org.easymock.EasyMock.expect;
import static org.easymock.EasyMock.replay;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThat;
import static org.tcpbypass.gui.SampleBypasses.S1;
import static org.tcpbypass.gui.SampleBypasses.S2;

/**
 * The overlay's summary and switch detail panels, and the badge of a switch whose connections are all proxied.
 */
public class BypassTopoOverlayTest {

    private BypassTopoOverlay overlay;

    @Before
    public void setUp() {
        BypassService service = createMock(BypassService.class);
        expect(service.bypasses()).andReturn(SampleBypasses.all()).anyTimes();
        expect(service.statistics()).andReturn(new BypassStatistics(
                ImmutableMap.of(BypassState.PROXIED, 4L, BypassState.OFFLOADING, 1L, BypassState.BYPASSED, 7L),
                900, 3_000_000_000L, 7, 30, 40, 50, ImmutableMap.of())).anyTimes();
        replay(service);
        overlay = new BypassTopoOverlay(service);
    }

    private static Map<String, String> props(PropertyPanel pp) {
        Map<String, String> props = new LinkedHashMap<>();
        pp.properties().stream().filter(p -> p.getClass() == PropertyPanel.Prop.class).forEach(p -> props.put(p.label(), p.value()));
        return props;
    }

    @Test
    public void idMatchesTheOverlayScript() {
        assertThat(overlay.id(), is("tcpBypass-overlay"));
    }

    @Test
    public void summaryShowsProxiedBypassedAndBytes() {
        PropertyPanel pp = new PropertyPanel("ONOS Summary", "node");
        overlay.modifySummary(pp);
        assertThat(props(pp), is(ImmutableMap.of("TCP proxied", "5", "TCP bypassed", "7",
                                                 "Bytes bypassed", "2.79 GB")));
    }

    @Test
    public void switchDetailsCountItsConnectionsAndLinkToTheView() {
        PropertyPanel pp = new PropertyPanel("s1", "switch");
        overlay.modifyDeviceDetails(pp, S1);
        assertThat(props(pp), is(ImmutableMap.of("TCP proxied", "1", "TCP bypassed", "1",
                                                 "Packets bypassed", "1,300", "Bytes bypassed", "1.5 MB")));
        assertThat(pp.buttons(), contains(BypassTopoOverlay.SHOW_BYPASSES));

        pp = new PropertyPanel("s2", "switch");
        overlay.modifyDeviceDetails(pp, S2);
        assertThat(props(pp).get("Packets bypassed"), is("70"));
        assertThat(props(pp).get("Bytes bypassed"), is("78.12 KB"));
    }

    @Test
    public void switchWithoutConnectionsShowsZeros() {
        PropertyPanel pp = new PropertyPanel("s9", "switch");
        overlay.modifyDeviceDetails(pp, DeviceId.deviceId("device:bmv2:s9"));
        assertThat(props(pp), is(ImmutableMap.of("TCP proxied", "0", "TCP bypassed", "0",
                                                 "Packets bypassed", "0", "Bytes bypassed", "0 B")));
    }

    @Test
    public void switchWithOnlyProxiedConnectionsGetsAWarningBadge() {
        Highlights h = new BypassHighlighter(createMock(HostService.class))
                .highlights(SampleBypasses.all().subList(2, 3));
        NodeBadge badge = h.getDevice(S1.toString()).badge();
        assertThat(badge.status(), is(NodeBadge.Status.WARN));
        assertThat(badge.text(), is("0/1"));
        assertThat(h.links().isEmpty(), is(true));
    }
}
