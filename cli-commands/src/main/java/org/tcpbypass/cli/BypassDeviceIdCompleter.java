package org.tcpbypass.cli;

import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.onosproject.cli.AbstractChoicesCompleter;
import org.onosproject.cli.AbstractShellCommand;
import org.onosproject.net.Device;
import org.onosproject.net.device.DeviceService;
import org.onosproject.net.pi.service.PiPipeconfService;
import org.tcpbypass.pipeconf.BypassPipelineConstants;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/**
 * Completes the ids of the switches that run the tcp-bypass pipeconf, the only ones that can carry a bypass.
 */
@Service
public class BypassDeviceIdCompleter extends AbstractChoicesCompleter {

    @Override
    protected List<String> choices() {
        return choices(AbstractShellCommand.get(DeviceService.class),
                       AbstractShellCommand.get(PiPipeconfService.class));
    }

    /**
     * Returns the ids of the devices bound to the tcp-bypass pipeconf, sorted.
     *
     * @param devices   device service
     * @param pipeconfs pipeconf service
     * @return device ids
     */
    static List<String> choices(DeviceService devices, PiPipeconfService pipeconfs) {
        return StreamSupport.stream(devices.getDevices().spliterator(), false)
                .map(Device::id)
                .filter(id -> pipeconfs.ofDevice(id).equals(Optional.of(BypassPipelineConstants.PIPECONF_ID)))
                .map(Object::toString)
                .sorted()
                .collect(Collectors.toList());
    }
}
