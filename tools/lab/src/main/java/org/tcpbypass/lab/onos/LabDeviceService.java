package org.tcpbypass.lab.onos;

import org.onlab.packet.ChassisId;
import org.onosproject.event.ListenerRegistry;
import org.onosproject.net.ConnectPoint;
import org.onosproject.net.DefaultDevice;
import org.onosproject.net.DefaultPort;
import org.onosproject.net.Device;
import org.onosproject.net.DeviceId;
import org.onosproject.net.Port;
import org.onosproject.net.PortNumber;
import org.onosproject.net.device.DeviceEvent;
import org.onosproject.net.device.DeviceListener;
import org.onosproject.net.device.DeviceServiceAdapter;
import org.onosproject.net.provider.ProviderId;

import java.util.List;
import java.util.stream.Collectors;

/**
 * ONOS's device subsystem for the lab's one BMv2 switch and its ports (what the P4Runtime device provider
 * would discover).
 */
public final class LabDeviceService extends DeviceServiceAdapter {

    /** Provider id of everything the lab reports. */
    public static final ProviderId PROVIDER = new ProviderId("lab", "org.tcpbypass.lab");

    private final Device device;
    private final List<Port> ports;
    private final ListenerRegistry<DeviceEvent, DeviceListener> listeners = new ListenerRegistry<>();

    /**
     * Creates the service.
     *
     * @param deviceId    the switch
     * @param portNumbers its data ports
     */
    public LabDeviceService(DeviceId deviceId, List<Long> portNumbers) {
        this.device = new DefaultDevice(PROVIDER, deviceId, Device.Type.SWITCH, "p4.org", "bmv2", "simple_switch",
                                        "lab", new ChassisId(1));
        this.ports = portNumbers.stream().map(n -> (Port) new DefaultPort(device, PortNumber.portNumber(n), true))
                .collect(Collectors.toList());
    }

    @Override
    public int getDeviceCount() {
        return 1;
    }

    @Override
    public Iterable<Device> getDevices() {
        return List.of(device);
    }

    @Override
    public Iterable<Device> getAvailableDevices() {
        return List.of(device);
    }

    @Override
    public Device getDevice(DeviceId deviceId) {
        return device.id().equals(deviceId) ? device : null;
    }

    @Override
    public boolean isAvailable(DeviceId deviceId) {
        return device.id().equals(deviceId);
    }

    @Override
    public List<Port> getPorts(DeviceId deviceId) {
        return device.id().equals(deviceId) ? ports : List.of();
    }

    @Override
    public Port getPort(DeviceId deviceId, PortNumber portNumber) {
        return getPorts(deviceId).stream().filter(p -> p.number().equals(portNumber)).findFirst().orElse(null);
    }

    @Override
    public Port getPort(ConnectPoint cp) {
        return getPort(cp.deviceId(), cp.port());
    }

    @Override
    public void addListener(DeviceListener listener) {
        listeners.addListener(listener);
    }

    @Override
    public void removeListener(DeviceListener listener) {
        listeners.removeListener(listener);
    }
}
