package org.tcpbypass.impl;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.collect.ImmutableList;
import org.onlab.packet.ChassisId;
import org.onlab.packet.IpAddress;
import org.onlab.packet.MacAddress;
import org.onlab.packet.VlanId;
import org.junit.rules.ExternalResource;
import org.onosproject.app.ApplicationServiceAdapter;
import org.onosproject.app.ApplicationState;
import org.onosproject.cfg.ComponentConfigAdapter;
import org.onosproject.core.ApplicationId;
import org.onosproject.core.CoreServiceAdapter;
import org.onosproject.event.DefaultEventSinkRegistry;
import org.onosproject.event.Event;
import org.onosproject.event.EventDeliveryService;
import org.onosproject.event.EventSink;
import org.onosproject.mastership.MastershipServiceAdapter;
import org.onosproject.net.DefaultDevice;
import org.onosproject.net.DefaultHost;
import org.onosproject.net.DefaultPort;
import org.onosproject.net.Device;
import org.onosproject.net.DeviceId;
import org.onosproject.net.Host;
import org.onosproject.net.HostId;
import org.onosproject.net.HostLocation;
import org.onosproject.net.NetTestTools;
import org.onosproject.net.Port;
import org.onosproject.net.PortNumber;
import org.onosproject.net.config.Config;
import org.onosproject.net.config.NetworkConfigEvent;
import org.onosproject.net.config.NetworkConfigListener;
import org.onosproject.net.config.NetworkConfigRegistryAdapter;
import org.onosproject.net.config.basics.BasicDeviceConfig;
import org.onosproject.net.device.DeviceListener;
import org.onosproject.net.device.DeviceServiceAdapter;
import org.onosproject.net.flow.FlowEntry;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.flow.FlowRuleServiceAdapter;
import org.onosproject.net.host.HostServiceAdapter;
import org.onosproject.net.intent.Intent;
import org.onosproject.net.intent.IntentEvent;
import org.onosproject.net.intent.IntentListener;
import org.onosproject.net.intent.IntentService;
import org.onosproject.net.intent.IntentServiceAdapter;
import org.onosproject.net.intent.IntentState;
import org.onosproject.net.intent.MockIdGenerator;
import org.onosproject.net.intent.Key;
import org.onosproject.net.packet.OutboundPacket;
import org.onosproject.net.packet.PacketProcessor;
import org.onosproject.net.packet.PacketServiceAdapter;
import org.onosproject.net.pi.PiPipeconfServiceAdapter;
import org.onosproject.net.pi.model.PiPipeconf;
import org.onosproject.net.pi.model.PiPipeconfId;
import org.onosproject.net.provider.ProviderId;
import org.onosproject.store.service.StorageService;
import org.tcpbypass.api.BypassEvent;
import org.tcpbypass.api.BypassListener;
import org.tcpbypass.pipeconf.BypassPipelineConstants;
import org.tcpbypass.pipeconf.PipeconfLoader;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

import static org.tcpbypass.impl.TestData.APP_ID;
import static org.tcpbypass.impl.TestData.DEVICE;

/**
 * A {@link BypassManager} wired to ONOS's service adapters, with one BMv2 switch running the tcp-bypass pipeconf,
 * a synchronous intent service the test drives, and the real store on the given storage service.
 */
final class ManagerHarness extends ExternalResource {

    static final ProviderId PID = new ProviderId("bmv2", "test");
    static final PiPipeconf PIPECONF = PipeconfLoader.buildPipeconf();

    final BypassManager manager = new BypassManager();
    final DistributedBypassStore store = new DistributedBypassStore();
    final TestIntents intents = new TestIntents();
    final List<ApplicationId> flowRulesRemovedFor = new ArrayList<>();
    final Map<DeviceId, Device> devices = new HashMap<>();
    final Map<DeviceId, PiPipeconfId> pipeconfs = new HashMap<>();
    /** Devices' basic netcfg management address, as ONOS's P4Runtime driver reads it (none unless a test sets it). */
    final Map<DeviceId, String> managementAddresses = new HashMap<>();
    final Map<IpAddress, Host> hosts = new HashMap<>();
    final List<FlowEntry> flowEntries = new ArrayList<>();
    /** Packet-outs the manager sent. */
    final List<OutboundPacket> emitted = new ArrayList<>();
    /** Calls that list all of a device's or the app's flow entries. */
    int flowListings;
    final List<BypassEvent> events = new ArrayList<>();
    final Set<DeviceId> mastered = new HashSet<>();
    /** Devices ONOS knows no port of, as a BMv2 switch without the netcfg's ports section. */
    final Set<DeviceId> portless = new HashSet<>();
    final BypassListener listener = events::add;
    PacketProcessor processor;
    DeviceListener deviceListener;
    NetworkConfigListener configListener;
    BypassConfig config;
    volatile long now = 1_000_000;
    /** What ONOS's application store says of the app: ACTIVE unless the test deactivates it. */
    ApplicationState appState = ApplicationState.ACTIVE;
    private final StorageService storage;
    private final IntentService intentService;

    ManagerHarness(StorageService storage) {
        this(storage, null);
    }

    /**
     * Creates the harness; as a rule it starts before each test (with ONOS's mock id generator bound) and stops
     * after it, otherwise {@link #start()} and {@link #stop()} do.
     *
     * @param storage       storage service for the store
     * @param intentService intent service the manager uses instead of {@link #intents}, or null
     */
    ManagerHarness(StorageService storage, IntentService intentService) {
        this.storage = storage;
        this.intentService = intentService;
    }

    @Override
    protected void before() {
        MockIdGenerator.cleanBind();
        start();
    }

    @Override
    protected void after() {
        stop();
        MockIdGenerator.unbind();
    }

    /** Activates the store and the manager, wired to the adapters. */
    void start() {
        store.storageService = storage;
        store.activate();
        addDevice(DEVICE, BypassPipelineConstants.PIPECONF_ID);
        mastered.add(DEVICE);
        config = BypassConfigTest.config("{'proxies': [" + BypassConfigTest.PROXY_JSON + "], 'lingerMillis': 0,"
                                                 + " 'idleTimeoutSeconds': 30, 'retentionSeconds': 60}");
        manager.store = store;
        manager.coreService = new CoreServiceAdapter() {
            @Override
            public ApplicationId registerApplication(String name) {
                return APP_ID;
            }
        };
        manager.intentService = intentService == null ? intents : intentService;
        manager.applicationService = new ApplicationServiceAdapter() {
            @Override
            public ApplicationState getState(ApplicationId appId) {
                return appState;
            }
        };
        manager.deviceService = new DeviceServiceAdapter() {
            @Override
            public Device getDevice(DeviceId deviceId) {
                return devices.get(deviceId);
            }

            @Override
            public Port getPort(DeviceId deviceId, PortNumber portNumber) {
                Device d = devices.get(deviceId);
                return d == null || portless.contains(deviceId) || portNumber.toLong() > 4 ? null
                        : new DefaultPort(d, portNumber, true);
            }

            @Override
            public List<Port> getPorts(DeviceId deviceId) {
                List<Port> ports = new ArrayList<>();
                for (long n = 1; n <= 4; n++) {
                    Optional.ofNullable(getPort(deviceId, PortNumber.portNumber(n))).ifPresent(ports::add);
                }
                return ports;
            }

            @Override
            public void addListener(DeviceListener listener) {
                deviceListener = listener;
            }
        };
        manager.hostService = new HostServiceAdapter() {
            @Override
            public Set<Host> getHostsByIp(IpAddress ip) {
                return hosts.containsKey(ip) ? Set.of(hosts.get(ip)) : Set.of();
            }
        };
        manager.flowRuleService = new FlowRuleServiceAdapter() {
            @Override
            public Iterable<FlowEntry> getFlowEntriesById(ApplicationId id) {
                flowListings++;
                return ImmutableList.copyOf(flowEntries);
            }

            @Override
            public Iterable<FlowEntry> getFlowEntries(DeviceId deviceId) {
                flowListings++;
                return ImmutableList.copyOf(flowEntries);
            }

            // As ONOS's flow rule store finds an entry: by the rule's id.
            @Override
            public FlowEntry getFlowEntry(FlowRule rule) {
                return flowEntries.stream().filter(e -> e.id().equals(rule.id())).findFirst().orElse(null);
            }

            @Override
            public void removeFlowRules(FlowRule... rules) {
                flowEntries.removeAll(List.of(rules));
            }

            @Override
            public void removeFlowRulesById(ApplicationId id) {
                flowRulesRemovedFor.add(id);
                flowEntries.removeIf(e -> e.appId() == id.id());
            }
        };
        manager.packetService = new PacketServiceAdapter() {
            @Override
            public void addProcessor(PacketProcessor p, int priority) {
                processor = p;
            }

            @Override
            public void emit(OutboundPacket packet) {
                emitted.add(packet);
            }

            @Override
            public void removeProcessor(PacketProcessor p) {
                processor = null;
            }
        };
        manager.configRegistry = new NetworkConfigRegistryAdapter() {
            @Override
            @SuppressWarnings("unchecked")
            public <S, C extends Config<S>> C getConfig(S subject, Class<C> configClass) {
                if (configClass == BasicDeviceConfig.class && managementAddresses.containsKey(subject)) {
                    BasicDeviceConfig basic = new BasicDeviceConfig();
                    ObjectMapper mapper = new ObjectMapper();
                    basic.init((DeviceId) subject, "basic", mapper.createObjectNode(), mapper, null);
                    return (C) basic.managementAddress(managementAddresses.get(subject));
                }
                return configClass == BypassConfig.class ? (C) config : null;
            }

            @Override
            public void addListener(NetworkConfigListener listener) {
                configListener = listener;
            }
        };
        manager.cfgService = new ComponentConfigAdapter();
        manager.mastershipService = new MastershipServiceAdapter() {
            @Override
            public boolean isLocalMaster(DeviceId deviceId) {
                return mastered.contains(deviceId);
            }
        };
        manager.pipeconfService = new PiPipeconfServiceAdapter() {
            @Override
            public Optional<PiPipeconfId> ofDevice(DeviceId deviceId) {
                return Optional.ofNullable(pipeconfs.get(deviceId));
            }

            @Override
            public Optional<PiPipeconf> getPipeconf(DeviceId deviceId) {
                return ofDevice(deviceId).filter(BypassPipelineConstants.PIPECONF_ID::equals).map(id -> PIPECONF);
            }
        };
        NetTestTools.injectEventDispatcher(manager, new SyncDispatcher());
        manager.clock = () -> now;
        manager.activate(null);
        manager.addListener(listener);
    }

    void addDevice(DeviceId id, PiPipeconfId pipeconf) {
        devices.put(id, new DefaultDevice(PID, id, Device.Type.SWITCH, "p4.org", "bmv2", "1", "1",
                                          new ChassisId(1)));
        if (pipeconf != null) {
            pipeconfs.put(id, pipeconf);
        }
    }

    void addHost(IpAddress ip, MacAddress mac, DeviceId device, long port) {
        hosts.put(ip, new DefaultHost(PID, HostId.hostId(mac), mac, VlanId.NONE,
                                      new HostLocation(device, PortNumber.portNumber(port), 0), Set.of(ip)));
    }

    /** Replaces the app's netcfg as ONOS would and lets the manager react. */
    void reconfigure(String json) {
        config = BypassConfigTest.config(json);
        configListener.event(new NetworkConfigEvent(NetworkConfigEvent.Type.CONFIG_UPDATED, APP_ID,
                                                    BypassConfig.class));
        drain();
    }

    /** Waits until everything the manager queued so far has run. */
    void drain() {
        try {
            manager.executor.submit(() -> { }).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    /** Runs one housekeeping pass on the manager's thread. */
    void housekeeping() {
        try {
            manager.executor.submit(manager::housekeeping).get(5, TimeUnit.SECONDS);
        } catch (InterruptedException | ExecutionException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    void stop() {
        manager.deactivate();
        store.deactivate();
    }

    /** Deactivates the app as ONOS does: the application store first says it is no longer active. */
    void deactivateApp() {
        appState = ApplicationState.INSTALLED;
        manager.deactivate();
    }

    /** Activates the app again on the same store, switch and intents, as a reinstalled bundle would. */
    void activateApp() {
        appState = ApplicationState.ACTIVE;
        manager.activate(null);
        drain();
    }

    /** Synchronous event delivery, as ONOS's test dispatcher. */
    static final class SyncDispatcher extends DefaultEventSinkRegistry implements EventDeliveryService {
        @Override
        @SuppressWarnings("unchecked")
        public synchronized void post(Event event) {
            EventSink sink = getSink(event.getClass());
            if (sink != null) {
                sink.process(event);
            }
        }

        @Override
        public void setDispatchTimeLimit(long millis) {
        }

        @Override
        public long getDispatchTimeLimit() {
            return 0;
        }
    }

    /** An intent service that records calls and keeps each intent's state; the test fires the intent events. */
    static final class TestIntents extends IntentServiceAdapter {
        final Map<Key, Intent> intents = new HashMap<>();
        final Map<Key, IntentState> states = new HashMap<>();
        final List<Intent> submitted = new ArrayList<>();
        final List<Intent> withdrawn = new ArrayList<>();
        final List<Intent> purged = new ArrayList<>();
        final List<IntentListener> listeners = new ArrayList<>();

        @Override
        public synchronized void submit(Intent intent) {
            intents.put(intent.key(), intent);
            states.put(intent.key(), IntentState.INSTALL_REQ);
            submitted.add(intent);
        }

        @Override
        public synchronized void withdraw(Intent intent) {
            states.put(intent.key(), IntentState.WITHDRAW_REQ);
            withdrawn.add(intent);
        }

        @Override
        public synchronized void purge(Intent intent) {
            intents.remove(intent.key());
            states.remove(intent.key());
            purged.add(intent);
        }

        @Override
        public synchronized Intent getIntent(Key intentKey) {
            return intents.get(intentKey);
        }

        @Override
        public synchronized Iterable<Intent> getIntentsByAppId(ApplicationId id) {
            return intents.values().stream().filter(i -> i.appId().equals(id)).collect(Collectors.toList());
        }

        @Override
        public synchronized IntentState getIntentState(Key intentKey) {
            return states.get(intentKey);
        }

        /** Sets an intent's state as ONOS's intent manager would, without an event. */
        synchronized void setState(Intent intent, IntentState state) {
            states.put(intent.key(), state);
        }

        @Override
        public void addListener(IntentListener listener) {
            listeners.add(listener);
        }

        @Override
        public void removeListener(IntentListener listener) {
            listeners.remove(listener);
        }

        void fire(IntentEvent.Type type, Intent intent) {
            if (type != IntentEvent.Type.PURGED) {
                // Every other event type names the state the intent entered.
                setState(intent, IntentState.valueOf(type.name()));
            }
            listeners.forEach(l -> l.event(new IntentEvent(type, intent)));
        }
    }
}
