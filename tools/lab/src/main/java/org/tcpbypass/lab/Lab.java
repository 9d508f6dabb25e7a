package org.tcpbypass.lab;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tcpbypass.lab.bmv2.Bmv2Cli;
import org.tcpbypass.lab.bmv2.SimpleSwitch;
import org.tcpbypass.lab.bmv2.SwitchControl;
import org.tcpbypass.lab.bmv2.ThriftSwitchControl;
import org.tcpbypass.lab.net.FramePort;
import org.tcpbypass.lab.net.LabHost;
import org.tcpbypass.lab.net.LabTopology;
import org.tcpbypass.lab.net.Netns;
import org.tcpbypass.lab.p4runtime.P4RuntimeSwitchControl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One whole lab: namespaces, BMv2 with the committed pipeline (simple_switch_grpc over P4Runtime, or simple_switch
 * over thrift), the lab controller with the app's REST API served in the proxy's namespace, and (on demand) the
 * real proxy. Close it to tear it all down.
 */
public final class Lab implements AutoCloseable {

    /** The app's REST port inside the proxy's namespace. */
    public static final int REST_PORT = 8181;
    /** Where the proxy listens (its own address is its VIP). */
    public static final int VIP_PORT = 80;
    /** Where servers listen. */
    public static final int SERVER_PORT = 8080;
    /** Packets each BMv2 egress queue holds. */
    static final int QUEUE_DEPTH = 1024;

    private static final Logger log = LoggerFactory.getLogger(Lab.class);

    private final Path repo;
    private LabTopology topology;
    private SimpleSwitch sw;
    private LabController controller;
    private ProxyProcess proxy;
    private URI rest;

    private Lab(Path repo) {
        this.repo = repo;
    }

    /**
     * Builds and starts the lab.
     *
     * @param repo          repository root
     * @param impairedRoles hosts behind impaired links (see LabTopology)
     * @return the running lab
     */
    public static Lab start(Path repo, Set<String> impairedRoles) {
        Lab lab = new Lab(repo);
        try {
            lab.topology = LabTopology.create(impairedRoles);
            Map<Integer, String> ports = new LinkedHashMap<>();
            for (LabHost h : lab.topology.hosts()) {
                ports.put(h.switchPort(), h.switchInterface());
            }
            Path json = LabEnvironment.bmv2Json();
            SwitchControl control;
            if (LabEnvironment.switchPath().equals(SwitchControl.P4RUNTIME)) {
                // The CPU port is the P4Runtime server's: packet-ins and packet-outs travel on the stream channel.
                lab.sw = SimpleSwitch.startGrpc(ports, LabTopology.CPU_PORT);
                control = P4RuntimeSwitchControl.connect("127.0.0.1", lab.sw.grpcPort(), SimpleSwitch.DEVICE_ID,
                                                         LabEnvironment.p4Info(), Files.readAllBytes(json));
            } else {
                ports.put(LabTopology.CPU_PORT, lab.topology.cpuSwitchInterface());
                lab.sw = SimpleSwitch.start(json, ports);
                control = new ThriftSwitchControl(lab.sw.thriftPort(), json, LabEnvironment.pipelineModel(),
                                                  new FramePort(lab.topology.cpuControllerInterface(), 200));
            }
            log.info("lab: BMv2 driven over {} ({})", control.path(), control.path().equals(SwitchControl.P4RUNTIME)
                    ? "P4Runtime to simple_switch_grpc on 127.0.0.1:" + lab.sw.grpcPort()
                    : "simple_switch_CLI to simple_switch on thrift port " + lab.sw.thriftPort());
            setQueueDepth(lab.sw.thriftPort());
            lab.controller = LabController.start(lab.topology, control);
            lab.rest = lab.controller.serveRest(lab.topology.proxy().namespace(), REST_PORT);
        } catch (IOException e) {
            lab.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    // BMv2's egress queues hold 64 packets by default, a few ms at its rate: a switch's buffer holds far more, and
    // with 64 a lab burst (a window reopening, 50 connections' writes at once) drops what no link would. P4Runtime
    // has no message for it: BMv2's thrift runtime sets it on both paths.
    private static void setQueueDepth(int thriftPort) {
        try (Bmv2Cli cli = Bmv2Cli.connect(thriftPort)) {
            cli.command("set_queue_depth " + QUEUE_DEPTH);
        }
    }

    /**
     * Starts the proxy with one listener on the VIP towards the server.
     *
     * @param offloadJson the listener's "offload" object, e.g. {"policy": "bytes", "bytes": 1000000}
     * @param extraJson   further top-level fields (e.g. "rttRamp": {...}), or empty
     * @return the proxy
     */
    public ProxyProcess startProxy(String offloadJson, String extraJson) {
        String config = "{\"listeners\": [{\"listen\": \"" + topology.proxy().ip() + ":" + VIP_PORT
                + "\", \"backends\": [\"" + topology.server().ip() + ":" + SERVER_PORT + "\"], \"offload\": "
                + offloadJson + "}]" + (extraJson.isEmpty() ? "" : ", " + extraJson) + "}";
        proxy = ProxyProcess.start(repo, topology.proxy(), rest, config);
        return proxy;
    }

    /**
     * Opens a listening socket in the server's namespace.
     *
     * @return server socket on SERVER_PORT
     */
    public ServerSocketChannel listenOnServer() {
        return Netns.call(topology.server().namespace(), () -> {
            ServerSocketChannel s = ServerSocketChannel.open();
            s.bind(new InetSocketAddress(topology.server().ip().toInetAddress(), SERVER_PORT), 256);
            return s;
        });
    }

    /**
     * Creates an unconnected socket in a host's namespace.
     *
     * @param host host
     * @return socket
     */
    public SocketChannel socketIn(LabHost host) {
        return Netns.call(host.namespace(), () -> {
            try {
                return SocketChannel.open();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** The proxy's listening address (VIP). */
    public InetSocketAddress vip() {
        return new InetSocketAddress(topology.proxy().ip().toInetAddress(), VIP_PORT);
    }

    /** The server's address. */
    public InetSocketAddress server() {
        return new InetSocketAddress(topology.server().ip().toInetAddress(), SERVER_PORT);
    }

    /** The topology. */
    public LabTopology topology() {
        return topology;
    }

    /** The lab controller. */
    public LabController controller() {
        return controller;
    }

    /** The switch process. */
    public SimpleSwitch sw() {
        return sw;
    }

    /** The app's REST base as seen from the proxy's namespace. */
    public URI rest() {
        return rest;
    }

    @Override
    public void close() {
        if (proxy != null) {
            proxy.close();
        }
        if (controller != null) {
            controller.close();
        }
        if (sw != null) {
            sw.close();
        }
        if (topology != null) {
            topology.close();
        }
    }
}
