package org.tcpbypass.impl;

import org.onlab.packet.Ip4Address;
import org.onosproject.net.DeviceId;
import org.onosproject.net.Host;
import org.onosproject.net.HostLocation;
import org.onosproject.net.PortNumber;
import org.onosproject.net.device.DeviceService;
import org.onosproject.net.host.HostService;
import org.onosproject.net.pi.model.PiPipeconfId;
import org.onosproject.net.pi.service.PiPipeconfService;
import org.slf4j.Logger;
import org.tcpbypass.api.Attachment;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.OffloadException;
import org.tcpbypass.api.OffloadRequest;
import org.tcpbypass.api.RegisteredProxy;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import static org.slf4j.LoggerFactory.getLogger;
import static org.tcpbypass.api.OffloadException.Reason.FORBIDDEN;
import static org.tcpbypass.api.OffloadException.Reason.INVALID;
import static org.tcpbypass.api.OffloadException.Reason.NOT_FOUND;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.PIPECONF_ID;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.PORT_BITS;

/**
 * Checks an offload request against the registered proxies and the network, reading only: a request either
 * becomes an {@link OffloadPlan} or is refused with the reason and the field.
 */
final class OffloadValidator {

    private static final Logger log = getLogger(OffloadValidator.class);

    private final Supplier<Map<String, RegisteredProxy>> proxies;
    private final DeviceService deviceService;
    private final HostService hostService;
    private final PiPipeconfService pipeconfService;

    OffloadValidator(Supplier<Map<String, RegisteredProxy>> proxies, DeviceService deviceService,
                     HostService hostService, PiPipeconfService pipeconfService) {
        this.proxies = proxies;
        this.deviceService = deviceService;
        this.hostService = hostService;
        this.pipeconfService = pipeconfService;
    }

    /**
     * Validates an offload request.
     *
     * @param request the proxy's request
     * @return the plan
     * @throws OffloadException FORBIDDEN, NOT_FOUND or INVALID
     */
    OffloadPlan validate(OffloadRequest request) {
        RegisteredProxy proxy = owner(request.proxy(), request.tuple());
        DeviceId deviceId = request.deviceId();
        if (deviceService.getDevice(deviceId) == null) {
            throw new OffloadException(NOT_FOUND, "deviceId: no device " + deviceId);
        }
        if (!deviceId.equals(proxy.connectPoint().deviceId())) {
            throw new OffloadException(INVALID, "deviceId: proxy " + proxy.name() + " attaches to "
                    + proxy.connectPoint().deviceId() + ", not " + deviceId);
        }
        Optional<PiPipeconfId> pipeconf = pipeconfService.ofDevice(deviceId);
        if (pipeconf.isEmpty()) {
            throw new OffloadException(INVALID, "deviceId: " + deviceId + " has no pipeconf; the netcfg's "
                    + deviceId + " basic.pipeconf must be " + PIPECONF_ID);
        }
        if (!pipeconf.get().equals(PIPECONF_ID)) {
            throw new OffloadException(INVALID, "deviceId: " + deviceId + " runs pipeconf " + pipeconf.get()
                    + ", not " + PIPECONF_ID);
        }
        BypassTranslation translation;
        try {
            translation = BypassTranslation.of(request.clientLeg(), request.serverLeg());
        } catch (IllegalArgumentException e) {
            throw new OffloadException(INVALID, e.getMessage());
        }
        Attachment client = attachment("clientAttachment", request.clientAttachment(), deviceId,
                                       request.tuple().client().ip());
        Attachment server = attachment("serverAttachment", request.serverAttachment(), deviceId,
                                       request.tuple().server().ip());
        return new OffloadPlan(request, proxy, translation, client, server);
    }

    /**
     * Returns the registered proxy if it owns the connection: its client leg ends on one of the proxy's VIPs and
     * its server leg starts at the proxy's address.
     *
     * @param name  proxy name
     * @param tuple connection endpoints
     * @return the proxy
     * @throws OffloadException FORBIDDEN, logged, otherwise
     */
    RegisteredProxy owner(String name, ConnectionTuple tuple) {
        RegisteredProxy proxy = registered(name);
        if (!proxy.vips().contains(tuple.vip().ip())) {
            log.warn("Refused: proxy {} asked about {}, whose client leg does not end on its VIPs {}",
                     name, tuple, proxy.vips());
            throw new OffloadException(FORBIDDEN, "vip: " + tuple.vip().ip() + " is not a VIP of proxy " + name);
        }
        if (!proxy.ip().equals(tuple.proxy().ip())) {
            log.warn("Refused: proxy {} asked about {}, whose server leg does not start at its address {}",
                     name, tuple, proxy.ip());
            throw new OffloadException(FORBIDDEN, "proxyAddress: " + tuple.proxy().ip()
                    + " is not the address of proxy " + name);
        }
        return proxy;
    }

    /**
     * Returns a registered proxy.
     *
     * @param name proxy name
     * @return the proxy
     * @throws OffloadException FORBIDDEN, logged, if no proxy has that name
     */
    RegisteredProxy registered(String name) {
        RegisteredProxy proxy = proxies.get().get(name);
        if (proxy == null) {
            log.warn("Refused: '{}' is not a registered proxy", name);
            throw new OffloadException(FORBIDDEN, "proxy: '" + name + "' is not a registered proxy");
        }
        return proxy;
    }

    private Attachment attachment(String field, Optional<Attachment> given, DeviceId deviceId, Ip4Address ip) {
        Attachment attachment = given.orElseGet(() -> resolve(field, deviceId, ip));
        PortNumber port = attachment.port();
        if (port.isLogical() || port.toLong() >= (1L << PORT_BITS)) {
            throw new OffloadException(INVALID, field + ".port: " + port + " is not a switch port");
        }
        if (deviceService.getPort(deviceId, port) == null) {
            // A BMv2 switch (driver bmv2) reports no ports itself: ONOS knows only those the netcfg lists.
            throw new OffloadException(INVALID, field + ".port: " + deviceId + (deviceService.getPorts(deviceId)
                    .isEmpty() ? " has no ports; push the netcfg's ports section (tools/tcp-bypass-netcfg writes it)"
                    : " has no port " + port));
        }
        return attachment;
    }

    private Attachment resolve(String field, DeviceId deviceId, Ip4Address ip) {
        for (Host host : hostService.getHostsByIp(ip)) {
            for (HostLocation location : host.locations()) {
                if (location.deviceId().equals(deviceId)) {
                    return Attachment.of(location.port(), host.mac());
                }
            }
        }
        throw new OffloadException(INVALID, field + ": no host with IP " + ip + " is known on " + deviceId
                + " (org.onosproject.hostprovider learns hosts from their ARP); give the attachment in the request");
    }
}
