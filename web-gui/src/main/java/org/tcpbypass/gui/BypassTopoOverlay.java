package org.tcpbypass.gui;

import org.onosproject.net.DeviceId;
import org.onosproject.ui.UiTopoOverlay;
import org.onosproject.ui.topo.ButtonId;
import org.onosproject.ui.topo.PropertyPanel;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassStatistics;

/**
 * The TCP Bypass topology overlay: connection counts in the summary panel, and per switch in its detail panel
 * with a button to the switch's rows in the TCP Bypass view.
 */
public class BypassTopoOverlay extends UiTopoOverlay {

    /** Overlay id; tcpBypassTopov.js registers the same. */
    static final String OVERLAY_ID = "tcpBypass-overlay";

    /** Detail panel button opening the TCP Bypass view for the selected switch. */
    static final ButtonId SHOW_BYPASSES = new ButtonId("showTcpBypasses");

    static final String PROXIED = "tcpProxied";
    static final String BYPASSED = "tcpBypassed";
    static final String PACKETS = "tcpBypassedPackets";
    static final String BYTES = "tcpBypassedBytes";

    private final BypassService bypassService;

    /**
     * Creates the overlay.
     *
     * @param bypassService bypass records
     */
    public BypassTopoOverlay(BypassService bypassService) {
        super(OVERLAY_ID);
        this.bypassService = bypassService;
    }

    @Override
    public void modifySummary(PropertyPanel pp) {
        BypassStatistics stats = bypassService.statistics();
        pp.addSeparator()
                .addProp(PROXIED, "TCP proxied",
                         stats.count(BypassState.PROXIED) + stats.count(BypassState.OFFLOADING))
                .addProp(BYPASSED, "TCP bypassed", stats.count(BypassState.BYPASSED))
                .addProp(BYTES, "Bytes bypassed", ByteCountFormatter.INSTANCE.format(stats.bytesBypassed()));
    }

    @Override
    public void modifyDeviceDetails(PropertyPanel pp, DeviceId deviceId) {
        SwitchCounts counts = SwitchCounts.of(bypassService.bypasses(), deviceId);
        pp.addSeparator()
                .addProp(PROXIED, "TCP proxied", counts.proxied())
                .addProp(BYPASSED, "TCP bypassed", counts.bypassed())
                .addProp(PACKETS, "Packets bypassed", counts.packets())
                .addProp(BYTES, "Bytes bypassed", ByteCountFormatter.INSTANCE.format(counts.bytes()))
                .addButton(SHOW_BYPASSES);
    }
}
