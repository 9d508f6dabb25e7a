package org.tcpbypass.api;

import org.onosproject.store.StoreDelegate;

/**
 * Receives the bypass store's events, on every cluster instance.
 */
public interface BypassStoreDelegate extends StoreDelegate<BypassEvent> {
}
