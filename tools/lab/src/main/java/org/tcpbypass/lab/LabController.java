package org.tcpbypass.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.onosproject.app.ApplicationService;
import org.onosproject.app.ApplicationServiceAdapter;
import org.onosproject.app.ApplicationState;
import org.onosproject.cfg.ComponentConfigAdapter;
import org.onosproject.cfg.ComponentConfigService;
import org.onosproject.cluster.ClusterService;
import org.onosproject.cluster.ClusterServiceAdapter;
import org.onosproject.codec.CodecService;
import org.onosproject.codec.impl.CodecManager;
import org.onosproject.core.ApplicationId;
import org.onosproject.core.CoreService;
import org.onosproject.event.EventDeliveryService;
import org.onosproject.mastership.MastershipService;
import org.onosproject.net.DeviceId;
import org.onosproject.net.PortNumber;
import org.onosproject.net.behaviour.Pipeliner;
import org.onosproject.net.behaviour.PipelinerContext;
import org.onosproject.net.config.Config;
import org.onosproject.net.config.ConfigFactory;
import org.onosproject.net.config.NetworkConfigRegistry;
import org.onosproject.net.config.NetworkConfigService;
import org.onosproject.net.config.basics.BasicDeviceConfig;
import org.onosproject.net.config.basics.SubjectFactories;
import org.onosproject.net.device.DeviceService;
import org.onosproject.net.flow.DefaultTrafficSelector;
import org.onosproject.net.flow.DefaultTrafficTreatment;
import org.onosproject.net.flow.FlowRuleService;
import org.onosproject.net.flowobjective.DefaultForwardingObjective;
import org.onosproject.net.flowobjective.FlowObjectiveStore;
import org.onosproject.net.flowobjective.ForwardingObjective;
import org.onosproject.net.group.GroupService;
import org.onosproject.net.host.HostService;
import org.onosproject.net.intent.IntentService;
import org.onosproject.net.packet.PacketService;
import org.onosproject.net.pi.model.PiPipeconf;
import org.onosproject.net.pi.model.PiPipelineInterpreter;
import org.onosproject.net.pi.service.PiPipeconfService;
import org.onosproject.net.pi.service.PiTranslationService;
import org.onosproject.p4runtime.api.P4RuntimeController;
import org.onosproject.store.service.StorageService;
import org.onosproject.store.service.TestStorageService;
import org.onlab.osgi.ServiceDirectory;
import org.tcpbypass.lab.bmv2.SwitchControl;
import org.tcpbypass.lab.ds.ComponentRuntime;
import org.tcpbypass.lab.net.LabHost;
import org.tcpbypass.lab.net.LabTopology;
import org.tcpbypass.lab.net.Netns;
import org.tcpbypass.lab.onos.FlowRuleTranslator;
import org.tcpbypass.lab.onos.LabCoreService;
import org.tcpbypass.lab.onos.LabDeviceService;
import org.tcpbypass.lab.onos.LabDriverHandler;
import org.tcpbypass.lab.onos.LabEventDelivery;
import org.tcpbypass.lab.onos.LabFlowRuleService;
import org.tcpbypass.lab.onos.LabGroupService;
import org.tcpbypass.lab.onos.LabHostService;
import org.tcpbypass.lab.onos.LabIntentService;
import org.tcpbypass.lab.onos.LabMastershipService;
import org.tcpbypass.lab.onos.LabNetworkConfigService;
import org.tcpbypass.lab.onos.LabP4RuntimeController;
import org.tcpbypass.lab.onos.LabPacketService;
import org.tcpbypass.lab.onos.LabPipeconfService;
import org.tcpbypass.lab.onos.LabPiTranslationService;
import org.tcpbypass.lab.onos.WebServer;

import javax.ws.rs.core.Application;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.tcpbypass.pipeconf.BypassPipelineConstants.PIPECONF_ID;

/**
 * The lab's stand-in for ONOS core around the project's real bundles. It provides the ONOS services the
 * pipeconf and app components reference (device, host, pipeconf, flow rule, group, intent, packet, network
 * config, codec, store, event delivery), activates those components through a DS stand-in, binds the switch
 * to the tcp-bypass pipeconf, runs the pipeconf's pipeliner as ONOS's flow objective subsystem would, and
 * serves the app's REST application. Flow rules reach BMv2 as PI table entries through the switch's control
 * (P4Runtime, or the thrift fallback).
 */
public final class LabController implements AutoCloseable {

    /** The lab's switch, as ONOS names BMv2 devices. */
    public static final DeviceId DEVICE_ID = DeviceId.deviceId("device:bmv2:s1");
    /** The registered proxy's name. */
    public static final String PROXY_NAME = "proxy1";
    /** The app's name (its ApplicationId). */
    public static final String APP_NAME = "org.tcpbypass";

    private static final String REST_APPLICATION = "org.tcpbypass.rest.BypassWebApplication";
    private static final String APP_CONFIG_KEY = "tcp-bypass";
    private static final String APP_BUNDLE = "org.tcpbypass.tcp-bypass-app";
    private static final String LAB_APP = "org.tcpbypass.lab";
    private static final int FORWARDING_PRIORITY = 10;

    private final ComponentRuntime runtime = new ComponentRuntime();
    private final List<String> realClasses = new ArrayList<>();
    private final LabTopology topology;
    private final SwitchControl control;
    private LabFlowRuleService flowRules;
    private LabIntentService intents;
    private LabPacketService packets;
    private LabEventDelivery events;
    private LabNetworkConfigService netcfg;
    private LabCoreService core;
    private WebServer web;
    private LabP4RuntimeController p4Runtime;

    // ONOS's core registers the basic device config; the lab's netcfg starts empty.
    private static final ConfigFactory<DeviceId, BasicDeviceConfig> BASIC_DEVICE_CONFIG =
            new ConfigFactory<>(SubjectFactories.DEVICE_SUBJECT_FACTORY, BasicDeviceConfig.class, "basic") {
                @Override
                public BasicDeviceConfig createConfig() {
                    return new BasicDeviceConfig();
                }
            };

    private LabController(LabTopology topology, SwitchControl control) {
        this.topology = topology;
        this.control = control;
    }

    /**
     * Starts the controller for a running switch: services, the pipeconf and app bundles' components,
     * the clone session and forwarding through the pipeliner, the app's configuration with the lab's proxy.
     *
     * @param topology the lab
     * @param control  the switch, running the tcp-bypass pipeline; the controller closes it
     * @return the running controller
     */
    public static LabController start(LabTopology topology, SwitchControl control) {
        LabController c = new LabController(topology, control);
        try {
            c.boot();
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
        return c;
    }

    private void boot() {
        core = new LabCoreService();
        events = new LabEventDelivery();
        netcfg = new LabNetworkConfigService();
        LabPipeconfService pipeconfs = new LabPipeconfService();
        LabHostService hosts = new LabHostService();
        List<Long> ports = topology.hosts().stream().map(h -> (long) h.switchPort()).collect(Collectors.toList());
        for (LabHost h : topology.hosts()) {
            hosts.add(h.mac(), h.ip(), DEVICE_ID, h.switchPort());
        }
        runtime.register(CoreService.class, core);
        runtime.register(ApplicationService.class, new ApplicationServiceAdapter() {
            @Override
            public ApplicationState getState(ApplicationId appId) {
                // The app stays active while the lab runs; closing the lab is an instance going down.
                return ApplicationState.ACTIVE;
            }
        });
        runtime.register(EventDeliveryService.class, events);
        runtime.register(ComponentConfigService.class, new ComponentConfigAdapter());
        runtime.register(StorageService.class, new TestStorageService());
        runtime.register(ClusterService.class, new ClusterServiceAdapter());
        runtime.register(MastershipService.class, new LabMastershipService());
        CodecManager codecs = new CodecManager();
        codecs.activate();
        runtime.register(CodecService.class, codecs);
        runtime.register(PiPipeconfService.class, pipeconfs);
        runtime.register(DeviceService.class, new LabDeviceService(DEVICE_ID, ports));
        runtime.register(HostService.class, hosts);
        runtime.register(NetworkConfigRegistry.class, netcfg);
        runtime.register(NetworkConfigService.class, netcfg);

        realClasses.addAll(runtime.activateBundles("org.tcpbypass.tcp-bypass-pipeconf"));
        PiPipeconf pipeconf = pipeconfs.getPipeconf(PIPECONF_ID).orElseThrow(
                () -> new IllegalStateException("the pipeconf bundle registered no " + PIPECONF_ID));
        pipeconfs.bindToDevice(PIPECONF_ID, DEVICE_ID);
        LabDriverHandler handler = new LabDriverHandler(pipeconf, DEVICE_ID, runtime);
        PiPipelineInterpreter interpreter = handler.behaviour(PiPipelineInterpreter.class);
        realClasses.add(interpreter.getClass().getName());

        FlowRuleTranslator translator = new FlowRuleTranslator(pipeconf.pipelineModel(), interpreter);
        flowRules = new LabFlowRuleService(DEVICE_ID, pipeconf.pipelineModel(), translator, control);
        // As ONOS with the bmv2 driver: the device's netcfg names its P4Runtime server, whose client apps may use.
        control.managementAddress().ifPresent(address -> {
            netcfg.registerConfigFactory(BASIC_DEVICE_CONFIG);
            netcfg.applyConfig(DEVICE_ID, BasicDeviceConfig.class, JsonNodeFactory.instance.objectNode()
                    .put("managementAddress", address).put("driver", "bmv2")
                    .put("pipeconf", PIPECONF_ID.id()));
            p4Runtime = new LabP4RuntimeController(DEVICE_ID, Long.parseLong(
                    address.substring(address.indexOf("device_id=") + "device_id=".length())), control);
            runtime.register(P4RuntimeController.class, p4Runtime.service());
            runtime.register(PiTranslationService.class, new LabPiTranslationService(translator));
        });
        intents = new LabIntentService(flowRules);
        packets = new LabPacketService(DEVICE_ID, interpreter, control);
        runtime.register(FlowRuleService.class, flowRules);
        runtime.register(GroupService.class, new LabGroupService(DEVICE_ID, control, LabTopology.CPU_PORT));
        runtime.register(IntentService.class, intents);
        runtime.register(PacketService.class, packets);

        Pipeliner pipeliner = handler.behaviour(Pipeliner.class);
        pipeliner.init(DEVICE_ID, pipelinerContext(runtime));
        realClasses.add(pipeliner.getClass().getName());
        installForwarding(pipeliner);

        realClasses.addAll(runtime.activateBundles(APP_BUNDLE));
        configure(PROXY_NAME, 60);
    }

    // What ONOS's forwarding would do through flow objectives: each host's MAC leads to its port.
    private void installForwarding(Pipeliner pipeliner) {
        ApplicationId lab = core.registerApplication(LAB_APP);
        for (LabHost h : topology.hosts()) {
            ForwardingObjective fwd = DefaultForwardingObjective.builder()
                    .withSelector(DefaultTrafficSelector.builder().matchEthDst(h.mac()).build())
                    .withTreatment(DefaultTrafficTreatment.builder()
                                           .setOutput(PortNumber.portNumber(h.switchPort())).build())
                    .withPriority(FORWARDING_PRIORITY)
                    .withFlag(ForwardingObjective.Flag.VERSATILE)
                    .fromApp(lab)
                    .makePermanent()
                    .add();
            pipeliner.forward(fwd);
        }
    }

    /**
     * Posts the app's network configuration with the app's own linger after FIN/RST: the lab's proxy and the idle
     * timeout.
     *
     * @param proxyName   registered name
     * @param idleSeconds idle timeout
     */
    public void configure(String proxyName, int idleSeconds) {
        post(proxyName, idleSeconds, null);
    }

    /**
     * Posts the app's network configuration: the lab's proxy (its address, MAC and switch port; its own
     * address is its VIP) and the teardown timing.
     *
     * @param proxyName      registered name
     * @param idleSeconds    idle timeout
     * @param lingerMillis   linger after FIN/RST
     */
    public void configure(String proxyName, int idleSeconds, int lingerMillis) {
        post(proxyName, idleSeconds, lingerMillis);
    }

    private void post(String proxyName, int idleSeconds, Integer lingerMillis) {
        LabHost p = topology.proxy();
        ObjectMapper m = new ObjectMapper();
        ObjectNode cfg = m.createObjectNode();
        ObjectNode proxy = cfg.putArray("proxies").addObject();
        proxy.put("name", proxyName).put("ip", p.ip().toString()).put("mac", p.mac().toString())
                .put("connectPoint", DEVICE_ID + "/" + p.switchPort());
        proxy.putArray("vips").add(p.ip().toString());
        cfg.put("idleTimeoutSeconds", idleSeconds);
        if (lingerMillis != null) {
            cfg.put("lingerMillis", lingerMillis);
        }
        netcfg.applyConfig(core.getAppId(APP_NAME), appConfigClass(), (JsonNode) cfg);
    }

    // The app's Config class, found through the factory it registered under its config key.
    @SuppressWarnings("unchecked")
    private Class<Config<ApplicationId>> appConfigClass() {
        return (Class<Config<ApplicationId>>) netcfg.getConfigFactories().stream()
                .filter(f -> f.configKey().equals(APP_CONFIG_KEY)).findFirst()
                .map(f -> f.configClass())
                .orElseThrow(() -> new IllegalStateException("the app registered no config '" + APP_CONFIG_KEY + "'"));
    }

    /**
     * Serves the app's REST application inside a namespace (where the proxy runs) on 127.0.0.1.
     *
     * @param namespace network namespace
     * @param port      TCP port
     * @return base URI as seen from that namespace
     */
    public URI serveRest(String namespace, int port) {
        Application app = restApplication(runtime.bundleClassLoader(APP_BUNDLE));
        URI base = URI.create("http://127.0.0.1:" + port + "/onos/tcp-bypass/");
        web = Netns.call(namespace, () -> WebServer.start(app, base, runtime));
        realClasses.add(app.getClass().getName());
        return base;
    }

    /** Stops serving REST: the controller is down as far as the proxy can tell. */
    public void stopRest() {
        if (web != null) {
            web.close();
            web = null;
        }
    }

    // The app bundle is a WAB: its REST classes live under WEB-INF/classes, as the web extender loads them.
    private static Application restApplication(ClassLoader bundle) {
        try {
            return (Application) bundle.loadClass(REST_APPLICATION).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot load the app's REST application " + REST_APPLICATION, e);
        }
    }

    private static PipelinerContext pipelinerContext(ServiceDirectory directory) {
        return new PipelinerContext() {
            @Override
            public ServiceDirectory directory() {
                return directory;
            }

            @Override
            public FlowObjectiveStore store() {
                throw new UnsupportedOperationException("the tcp-bypass pipeliner keeps no next objectives");
            }
        };
    }

    /** The flow rule service, e.g. for PI entries and counters. */
    public LabFlowRuleService flowRules() {
        return flowRules;
    }

    /** The P4Runtime controller apps read the switch through; empty on the thrift path. */
    public java.util.Optional<LabP4RuntimeController> p4Runtime() {
        return java.util.Optional.ofNullable(p4Runtime);
    }

    /** The packet service, e.g. for the number of packet-ins. */
    public LabPacketService packets() {
        return packets;
    }

    /** The switch's control: which path, and the writes and reads behind the flow rule service. */
    public SwitchControl control() {
        return control;
    }

    /**
     * Returns the project's classes running in this controller: the DS components activated, the
     * interpreter, pipeliner, intent compilers and REST application.
     *
     * @return class names
     */
    public List<String> realClasses() {
        return List.copyOf(realClasses);
    }

    @Override
    public void close() {
        stopRest();
        runtime.close();
        if (intents != null) {
            intents.shutdown();
        }
        if (events != null) {
            events.shutdown();
        }
        control.close();
    }
}
