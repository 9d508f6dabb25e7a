package org.tcpbypass.api;

import org.onosproject.event.EventListener;

/**
 * Receives bypass record changes.
 */
public interface BypassListener extends EventListener<BypassEvent> {
}
