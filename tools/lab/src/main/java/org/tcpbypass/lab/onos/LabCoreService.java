package org.tcpbypass.lab.onos;

import org.onosproject.core.ApplicationId;
import org.onosproject.core.CoreServiceAdapter;
import org.onosproject.core.DefaultApplicationId;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * ONOS's application id registry.
 */
public final class LabCoreService extends CoreServiceAdapter {

    private final Map<String, ApplicationId> apps = new ConcurrentHashMap<>();
    private final AtomicInteger nextId = new AtomicInteger(100);

    @Override
    public ApplicationId registerApplication(String name) {
        return apps.computeIfAbsent(name, n -> new DefaultApplicationId(nextId.getAndIncrement(), n));
    }

    @Override
    public ApplicationId getAppId(String name) {
        return apps.get(name);
    }
}
