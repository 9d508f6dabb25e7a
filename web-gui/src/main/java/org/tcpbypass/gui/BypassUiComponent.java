package org.tcpbypass.gui;

import com.google.common.collect.ImmutableList;
import org.onosproject.net.host.HostService;
import org.onosproject.ui.UiExtension;
import org.onosproject.ui.UiExtensionService;
import org.onosproject.ui.UiView;
import org.onosproject.ui.UiViewHidden;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.slf4j.Logger;
import org.tcpbypass.api.BypassService;

import java.time.Clock;

import static org.slf4j.LoggerFactory.getLogger;

/**
 * Adds the TCP Bypass view and topology overlay to the ONOS web UI while the app is active.
 */
@Component(immediate = true)
public class BypassUiComponent {

    /** Id of the table view; names its resources under app/view/. */
    static final String VIEW_ID = "tcpBypass";
    /** Id of the hidden view that carries the topology overlay's script. */
    static final String TOPO_VIEW_ID = "tcpBypassTopov";
    /** Navigation label. */
    static final String VIEW_TEXT = "TCP Bypass";
    /** Navigation icon; tcpBypass.js maps it to a glyph of ONOS's set. */
    static final String ICON_ID = "nav_tcpBypass";

    private final Logger log = getLogger(getClass());

    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected UiExtensionService uiExtensionService;

    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected BypassService bypassService;

    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected HostService hostService;

    private UiExtension extension;

    @Activate
    protected void activate() {
        extension = new UiExtension.Builder(getClass().getClassLoader(), ImmutableList.of(
                new UiView(UiView.Category.NETWORK, VIEW_ID, VIEW_TEXT, ICON_ID),
                new UiViewHidden(TOPO_VIEW_ID)))
                .messageHandlerFactory(() -> ImmutableList.of(
                        new BypassViewMessageHandler(bypassService, Clock.systemUTC()),
                        new BypassTopoMessageHandler(bypassService, hostService)))
                .topoOverlayFactory(() -> ImmutableList.of(new BypassTopoOverlay(bypassService)))
                .build();
        uiExtensionService.register(extension);
        log.info("Started");
    }

    @Deactivate
    protected void deactivate() {
        uiExtensionService.unregister(extension);
        log.info("Stopped");
    }
}
