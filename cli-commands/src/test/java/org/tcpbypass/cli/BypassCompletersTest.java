package org.tcpbypass.cli;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import org.junit.Test;
import org.onosproject.net.Device;
import org.onosproject.net.DeviceId;
import org.onlab.packet.ChassisId;
import org.onosproject.net.DefaultAnnotations;
import org.onosproject.net.DefaultDevice;
import org.onosproject.net.device.DeviceService;
import org.onosproject.net.pi.model.PiPipeconfId;
import org.onosproject.net.pi.service.PiPipeconfService;
import org.onosproject.net.provider.ProviderId;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.pipeconf.BypassPipelineConstants;

import java.util.List;
import java.util.Optional;

import static org.easymock.EasyMock.createMock;
import static org.easymock.EasyMock.expect;
import static org.easymock.EasyMock.replay;
import static org.easymock.EasyMock.verify;
import static org.junit.Assert.assertEquals;
import static org.tcpbypass.cli.TestBypasses.PROXY1;
import static org.tcpbypass.cli.TestBypasses.PROXY2;
import static org.tcpbypass.cli.TestBypasses.T0;
import static org.tcpbypass.cli.TestBypasses.bypassed;
import static org.tcpbypass.cli.TestBypasses.failed;
import static org.tcpbypass.cli.TestBypasses.proxied;

/**
 * Tests the completers' choices.
 */
public class BypassCompletersTest {

    private final BypassService service = createMock(BypassService.class);

    @Test
    public void bypassIdsInNumericOrder() {
        expect(service.bypasses()).andReturn(ImmutableList.of(proxied(T0), bypassed(T0), failed(T0)));
        replay(service);
        assertEquals(ImmutableList.of("5", "17", "18"), BypassIdCompleter.choices(service));
        verify(service);
    }

    @Test
    public void proxyNamesSorted() {
        expect(service.proxies()).andReturn(ImmutableList.of(PROXY2, PROXY1));
        replay(service);
        assertEquals(ImmutableList.of("proxy1", "proxy2"), BypassProxyCompleter.choices(service));
        verify(service);
    }

    @Test
    public void statesInLifecycleOrder() {
        assertEquals(ImmutableList.of("PROXIED", "OFFLOADING", "BYPASSED", "RELEASED", "FAILED"),
                     new BypassStateCompleter().choices());
    }

    @Test
    public void onlyDevicesRunningTheBypassPipeconf() {
        DeviceService devices = createMock(DeviceService.class);
        PiPipeconfService pipeconfs = createMock(PiPipeconfService.class);
        expect(devices.getDevices()).andReturn(ImmutableList.of(device("s3"), device("s1"), device("s2"),
                                                                device("s4")));
        expect(pipeconfs.ofDevice(DeviceId.deviceId("device:bmv2:s1")))
                .andReturn(Optional.of(BypassPipelineConstants.PIPECONF_ID));
        expect(pipeconfs.ofDevice(DeviceId.deviceId("device:bmv2:s2")))
                .andReturn(Optional.of(new PiPipeconfId("org.onosproject.pipelines.basic")));
        expect(pipeconfs.ofDevice(DeviceId.deviceId("device:bmv2:s3")))
                .andReturn(Optional.of(BypassPipelineConstants.PIPECONF_ID));
        expect(pipeconfs.ofDevice(DeviceId.deviceId("device:bmv2:s4"))).andReturn(Optional.empty());
        replay(devices, pipeconfs);
        List<String> choices = BypassDeviceIdCompleter.choices(devices, pipeconfs);
        assertEquals(ImmutableList.of("device:bmv2:s1", "device:bmv2:s3"), choices);
        verify(devices, pipeconfs);
    }

    private static Device device(String name) {
        return new DefaultDevice(new ProviderId("p4runtime", "org.onosproject.provider.p4runtime"),
                                 DeviceId.deviceId("device:bmv2:" + name), Device.Type.SWITCH, "bmv2", "1", "1",
                                 "1", new ChassisId(), DefaultAnnotations.EMPTY);
    }
}
