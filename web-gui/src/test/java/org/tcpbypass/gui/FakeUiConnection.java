package org.tcpbypass.gui;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.onosproject.ui.JsonUtils;
import org.onosproject.ui.UiConnection;
import org.onosproject.ui.model.topo.UiTopoLayout;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * A UI websocket that records every message sent to the browser.
 */
final class FakeUiConnection implements UiConnection {

    private final List<ObjectNode> sent = new CopyOnWriteArrayList<>();

    /**
     * Returns the messages of a type, oldest first.
     *
     * @param type event type
     * @return payloads
     */
    List<ObjectNode> payloads(String type) {
        return sent.stream().filter(m -> type.equals(JsonUtils.eventType(m)))
                .map(JsonUtils::payload).collect(Collectors.toList());
    }

    /**
     * Returns every message sent.
     *
     * @return envelopes
     */
    List<ObjectNode> sent() {
        return sent;
    }

    @Override
    public String userName() {
        return "onos";
    }

    @Override
    public UiTopoLayout currentLayout() {
        return null;
    }

    @Override
    public void setCurrentLayout(UiTopoLayout topoLayout) {
    }

    @Override
    public String currentView() {
        return BypassUiComponent.VIEW_ID;
    }

    @Override
    public void setCurrentView(String viewId) {
    }

    @Override
    public void sendMessage(ObjectNode message) {
        sent.add(message);
    }

    @Override
    public void sendMessage(String type, ObjectNode payload) {
        sent.add(JsonUtils.envelope(type, payload));
    }
}
