package org.tcpbypass.gui;

import org.easymock.Capture;
import org.junit.Before;
import org.junit.Test;
import org.onosproject.net.host.HostService;
import org.onosproject.ui.UiExtension;
import org.onosproject.ui.UiExtensionService;
import org.onosproject.ui.UiMessageHandler;
import org.onosproject.ui.UiView;
import org.tcpbypass.api.BypassService;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.easymock.EasyMock.capture;
import static org.easymock.EasyMock.createMock;
import static org.easymock.EasyMock.createNiceMock;
import static org.easymock.EasyMock.replay;
import static org.easymock.EasyMock.reset;
import static org.easymock.EasyMock.same;
import static org.easymock.EasyMock.verify;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.Assert.assertThat;

/**
 * Registration of the UI extension: views, resources, message handlers and overlay, and its removal.
 */
public class BypassUiComponentTest {

    private final Capture<UiExtension> registered = Capture.newInstance();
    private BypassUiComponent component;
    private UiExtensionService uiExtensionService;

    @Before
    public void setUp() {
        uiExtensionService = createMock(UiExtensionService.class);
        uiExtensionService.register(capture(registered));
        replay(uiExtensionService);
        component = new BypassUiComponent();
        component.uiExtensionService = uiExtensionService;
        component.bypassService = createNiceMock(BypassService.class);
        replay(component.bypassService);
        component.hostService = createMock(HostService.class);
        component.activate();
        verify(uiExtensionService);
    }

    private static String read(InputStream in) throws IOException {
        assertThat(in, notNullValue());
        try (InputStream s = in) {
            return new String(s.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    public void activationRegistersTheViewInTheNetworkCategory() {
        List<UiView> views = registered.getValue().views();
        assertThat(views.size(), is(2));
        UiView view = views.get(0);
        assertThat(view.category(), is(UiView.Category.NETWORK));
        assertThat(view.id(), is("tcpBypass"));
        assertThat(view.label(), is("TCP Bypass"));
        assertThat(view.iconId(), is("nav_tcpBypass"));
        assertThat(views.get(1).category(), is(UiView.Category.HIDDEN));
        assertThat(views.get(1).id(), is("tcpBypassTopov"));
    }

    @Test
    public void everyResourceTheUiLoadsExists() throws IOException {
        UiExtension ext = registered.getValue();
        List<String> paths = new ArrayList<>();
        Matcher m = Pattern.compile("(?:href|src)=\"([^\"]+)\"").matcher(read(ext.css()) + read(ext.js()));
        while (m.find()) {
            paths.add(m.group(1));
        }
        assertThat(paths, contains("app/view/tcpBypass/tcpBypass.css", "app/view/tcpBypass/tcpBypass.js",
                                   "app/view/tcpBypassTopov/tcpBypassTopov.js"));
        for (String path : paths) {
            assertThat(path, getClass().getClassLoader().getResourceAsStream(path), notNullValue());
        }
        assertThat(read(ext.resource("tcpBypass", "tcpBypass.html")).contains("ov-tcp-bypass"), is(true));
    }

    @Test
    public void scriptsDefineTheModulesAndIdsTheServerUses() throws IOException {
        UiExtension ext = registered.getValue();
        String view = read(ext.resource("tcpBypass", "tcpBypass.js"));
        assertThat(view.contains("angular.module('ovTcpBypass', [])"), is(true));
        assertThat(view.contains("'OvTcpBypassCtrl'"), is(true));
        assertThat(view.contains("registerIconMapping('nav_tcpBypass', 'chain')"), is(true));
        assertThat(view.contains("'" + BypassViewMessageHandler.RELEASE_REQ + "'"), is(true));
        assertThat(view.contains("'" + BypassViewMessageHandler.REFRESH + "'"), is(true));
        String topo = read(ext.resource("tcpBypassTopov", "tcpBypassTopov.js"));
        assertThat(topo.contains("angular.module('ovTcpBypassTopov', [])"), is(true));
        assertThat(topo.contains("overlayId: '" + BypassTopoOverlay.OVERLAY_ID + "'"), is(true));
        assertThat(topo.contains(BypassTopoOverlay.SHOW_BYPASSES.id() + ": {"), is(true));
        assertThat(topo.contains("'" + BypassTopoMessageHandler.DISPLAY_START + "'"), is(true));
        assertThat(topo.contains("'" + BypassTopoMessageHandler.DISPLAY_STOP + "'"), is(true));
    }

    @Test
    public void extensionCarriesTheHandlersAndTheOverlay() {
        UiExtension ext = registered.getValue();
        List<String> types = new ArrayList<>();
        for (UiMessageHandler handler : ext.messageHandlerFactory().newHandlers()) {
            handler.init(new FakeUiConnection(), null);
            types.addAll(handler.messageTypes());
        }
        assertThat(types, hasItems("tcpBypassDataRequest", "tcpBypassReleaseRequest",
                                   "tcpBypassTopoStart", "tcpBypassTopoStop"));
        assertThat(ext.topoOverlayFactory().newOverlays().stream().map(o -> o.id()).collect(Collectors.toList()),
                   contains("tcpBypass-overlay"));
    }

    @Test
    public void deactivationUnregistersTheSameExtension() {
        reset(uiExtensionService);
        uiExtensionService.unregister(same(registered.getValue()));
        replay(uiExtensionService);
        component.deactivate();
        verify(uiExtensionService);
    }
}
