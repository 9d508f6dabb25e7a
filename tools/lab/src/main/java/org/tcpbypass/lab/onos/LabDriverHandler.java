package org.tcpbypass.lab.onos;

import org.onlab.osgi.ServiceDirectory;
import org.onosproject.net.DeviceId;
import org.onosproject.net.driver.Behaviour;
import org.onosproject.net.driver.DefaultDriver;
import org.onosproject.net.driver.DefaultDriverData;
import org.onosproject.net.driver.Driver;
import org.onosproject.net.driver.DriverData;
import org.onosproject.net.driver.DriverHandler;
import org.onosproject.net.pi.model.PiPipeconf;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The driver handler ONOS gives a pipeconf's behaviours (the BMv2 driver merged with the pipeconf), whose
 * service look-ups go to the lab's service registry instead of the OSGi framework.
 */
public final class LabDriverHandler implements DriverHandler {

    private final DriverData data;
    private final ServiceDirectory services;

    /**
     * Creates a handler for a device running a pipeconf.
     *
     * @param pipeconf the pipeconf whose behaviours the driver carries
     * @param deviceId the device
     * @param services where {@link #get(Class)} looks
     */
    public LabDriverHandler(PiPipeconf pipeconf, DeviceId deviceId, ServiceDirectory services) {
        Map<Class<? extends Behaviour>, Class<? extends Behaviour>> behaviours = new HashMap<>();
        pipeconf.behaviours().forEach(b -> pipeconf.implementation(b).ifPresent(i -> behaviours.put(b, i)));
        Driver driver = new DefaultDriver("bmv2:" + pipeconf.id(), List.of(), "p4.org", "bmv2", "lab",
                                          behaviours, Map.of());
        this.data = new DefaultDriverData(driver, deviceId);
        this.services = services;
    }

    @Override
    public Driver driver() {
        return data.driver();
    }

    @Override
    public DriverData data() {
        return data;
    }

    @Override
    public <T extends Behaviour> T behaviour(Class<T> behaviourClass) {
        return data.driver().createBehaviour(this, behaviourClass);
    }

    @Override
    public <T> T get(Class<T> serviceClass) {
        return services.get(serviceClass);
    }
}
