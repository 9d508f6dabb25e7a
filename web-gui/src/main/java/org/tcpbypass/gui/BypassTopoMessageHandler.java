package org.tcpbypass.gui;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableSet;
import org.onlab.osgi.ServiceDirectory;
import org.onlab.util.SharedExecutors;
import org.onosproject.net.host.HostService;
import org.onosproject.ui.RequestHandler;
import org.onosproject.ui.UiConnection;
import org.onosproject.ui.UiMessageHandler;
import org.onosproject.ui.topo.Highlights;
import org.onosproject.ui.topo.TopoJson;
import org.tcpbypass.api.BypassService;

import java.util.Collection;

/**
 * Serves the TCP Bypass topology overlay: sends highlights while the overlay is shown and again, rate-limited,
 * whenever records change.
 */
public class BypassTopoMessageHandler extends UiMessageHandler {

    static final String DISPLAY_START = "tcpBypassTopoStart";
    static final String DISPLAY_STOP = "tcpBypassTopoStop";

    private final BypassService bypassService;
    private final BypassHighlighter highlighter;
    private final RefreshThrottle throttle;
    private volatile boolean displaying;

    /**
     * Creates the handler.
     *
     * @param bypassService bypass records
     * @param hostService   locates the endpoints of bypassed connections
     */
    public BypassTopoMessageHandler(BypassService bypassService, HostService hostService) {
        this(bypassService, hostService, BypassViewMessageHandler.REFRESH_PERIOD_MILLIS);
    }

    BypassTopoMessageHandler(BypassService bypassService, HostService hostService, long refreshPeriodMillis) {
        this.bypassService = bypassService;
        this.highlighter = new BypassHighlighter(hostService);
        this.throttle = new RefreshThrottle(SharedExecutors.getTimer(), refreshPeriodMillis, () -> {
            if (displaying) {
                sendHighlights();
            }
        });
    }

    @Override
    public void init(UiConnection connection, ServiceDirectory directory) {
        super.init(connection, directory);
        bypassService.addListener(throttle);
    }

    @Override
    public void destroy() {
        displaying = false;
        bypassService.removeListener(throttle);
        super.destroy();
    }

    @Override
    protected Collection<RequestHandler> createRequestHandlers() {
        return ImmutableSet.of(new StartHandler(), new StopHandler());
    }

    private void sendHighlights() {
        sendMessage(TopoJson.highlightsMessage(highlighter.highlights(bypassService.bypasses())));
    }

    private final class StartHandler extends RequestHandler {

        private StartHandler() {
            super(DISPLAY_START);
        }

        @Override
        public void process(ObjectNode payload) {
            displaying = true;
            sendHighlights();
        }
    }

    private final class StopHandler extends RequestHandler {

        private StopHandler() {
            super(DISPLAY_STOP);
        }

        @Override
        public void process(ObjectNode payload) {
            displaying = false;
            sendMessage(TopoJson.highlightsMessage(new Highlights()));
        }
    }
}
