package org.tcpbypass.gui;

import org.onlab.packet.IpAddress;
import org.onosproject.net.DefaultEdgeLink;
import org.onosproject.net.DeviceId;
import org.onosproject.net.Host;
import org.onosproject.net.host.HostService;
import org.onosproject.ui.topo.DeviceHighlight;
import org.onosproject.ui.topo.Highlights;
import org.onosproject.ui.topo.LinkHighlight;
import org.onosproject.ui.topo.NodeBadge;
import org.onosproject.ui.topo.TopoUtils;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassState;

import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Turns bypass records into topology highlights: every switch with live connections gets a badge
 * {@code bypassed/proxied}, and the host links of bypassed connections' clients and servers on that switch are
 * highlighted; everything else is subdued.
 */
final class BypassHighlighter {

    private final HostService hostService;

    /**
     * Creates a highlighter.
     *
     * @param hostService locates the endpoints of bypassed connections
     */
    BypassHighlighter(HostService hostService) {
        this.hostService = hostService;
    }

    /**
     * Returns the highlights for the given records.
     *
     * @param bypasses all records
     * @return highlights; empty if no connection is live
     */
    Highlights highlights(Collection<Bypass> bypasses) {
        Map<DeviceId, SwitchCounts> perSwitch = SwitchCounts.perSwitch(bypasses);
        Highlights highlights = new Highlights();
        if (perSwitch.isEmpty()) {
            return highlights;
        }
        perSwitch.forEach((deviceId, counts) -> {
            DeviceHighlight dh = new DeviceHighlight(deviceId.toString());
            dh.setBadge(badge(counts));
            highlights.add(dh);
        });
        Map<String, Integer> perLink = new TreeMap<>();
        bypasses.stream().filter(b -> b.state() == BypassState.BYPASSED)
                .forEach(b -> Stream.of(b.tuple().client().ip(), b.tuple().server().ip())
                        .flatMap(ip -> hostsOn(b.deviceId(), ip))
                        .map(host -> TopoUtils.compactLinkString(DefaultEdgeLink.createEdgeLink(host, true)))
                        .forEach(linkId -> perLink.merge(linkId, 1, Integer::sum)));
        perLink.forEach((linkId, n) -> highlights.add(
                new LinkHighlight(linkId, LinkHighlight.Flavor.PRIMARY_HIGHLIGHT).setLabel(n + " bypassed")));
        return highlights.subdueAllElse(Highlights.Amount.MINIMALLY);
    }

    private Stream<Host> hostsOn(DeviceId deviceId, IpAddress ip) {
        return hostService.getHostsByIp(ip).stream().filter(h -> h.location().deviceId().equals(deviceId));
    }

    private static NodeBadge badge(SwitchCounts c) {
        String message = c.bypassed() + " bypassed, " + c.proxied() + " proxied TCP connections";
        return NodeBadge.text(c.bypassed() > 0 ? NodeBadge.Status.INFO : NodeBadge.Status.WARN,
                              c.bypassed() + "/" + c.proxied(), message);
    }
}
