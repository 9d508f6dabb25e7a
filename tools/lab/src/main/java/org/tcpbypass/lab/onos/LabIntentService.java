package org.tcpbypass.lab.onos;

import org.onosproject.core.ApplicationId;
import org.onosproject.core.IdGenerator;
import org.onosproject.event.ListenerRegistry;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.intent.FlowRuleIntent;
import org.onosproject.net.intent.Intent;
import org.onosproject.net.intent.IntentData;
import org.onosproject.net.intent.IntentEvent;
import org.onosproject.net.intent.IntentListener;
import org.onosproject.net.intent.IntentService;
import org.onosproject.net.intent.IntentState;
import org.onosproject.net.intent.Key;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * ONOS's intent subsystem on one node, for the intents tcp-bypass submits: installs a FlowRuleIntent's flow rules
 * through the flow rule service as it is (ONOS's intent manager compiles nothing for an installable intent), and
 * reports INSTALLED, FAILED, WITHDRAWN and PURGED to listeners, asynchronously as ONOS's intent manager does.
 */
public final class LabIntentService implements IntentService {

    private static final Logger log = LoggerFactory.getLogger(LabIntentService.class);

    private final LabFlowRuleService flowRules;
    private final ListenerRegistry<IntentEvent, IntentListener> listeners = new ListenerRegistry<>();
    private final Map<Key, Record> intents = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final IdGenerator idGenerator = nextId::getAndIncrement;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "lab-intents");
        t.setDaemon(true);
        return t;
    });

    /**
     * Creates the service.
     *
     * @param flowRules where installable intents' rules go
     */
    public LabIntentService(LabFlowRuleService flowRules) {
        this.flowRules = flowRules;
        // ONOS's intent manager binds the generator intents draw their ids from.
        Intent.bindIdGenerator(idGenerator);
    }

    @Override
    public void submit(Intent intent) {
        Record r = new Record(intent);
        Record previous = intents.put(intent.key(), r);
        worker.execute(() -> install(r, previous));
    }

    private void install(Record r, Record previous) {
        try {
            if (previous != null) {
                previous.installables.forEach(i -> removeRules(i));
            }
            r.installables = compile(r.intent);
            // One batch per installable, as ONOS's intent installer hands a FlowRuleIntent's rules to the flow
            // rule service in one set of operations.
            for (Intent i : r.installables) {
                flowRules.add(List.copyOf(((FlowRuleIntent) i).flowRules()));
            }
            r.state = IntentState.INSTALLED;
            listeners.process(new IntentEvent(IntentEvent.Type.INSTALLED, r.intent));
        } catch (RuntimeException e) {
            log.warn("intent {} failed: {}", r.intent.key(), e.toString());
            r.installables.forEach(this::removeRules);
            r.state = IntentState.FAILED;
            listeners.process(new IntentEvent(IntentEvent.Type.FAILED, r.intent));
        }
    }

    private static List<Intent> compile(Intent intent) {
        if (!(intent instanceof FlowRuleIntent)) {
            throw new IllegalStateException("the lab installs flow rule intents only, not "
                                                    + intent.getClass().getName());
        }
        return List.of(intent);
    }

    private void removeRules(Intent installable) {
        if (installable instanceof FlowRuleIntent) {
            flowRules.removeFlowRules(((FlowRuleIntent) installable).flowRules().toArray(new FlowRule[0]));
        }
    }

    @Override
    public void withdraw(Intent intent) {
        Record r = intents.get(intent.key());
        if (r == null) {
            return;
        }
        worker.execute(() -> {
            r.installables.forEach(this::removeRules);
            r.state = IntentState.WITHDRAWN;
            listeners.process(new IntentEvent(IntentEvent.Type.WITHDRAWN, r.intent));
        });
    }

    @Override
    public void purge(Intent intent) {
        worker.execute(() -> {
            Record r = intents.get(intent.key());
            if (r != null && (r.state == IntentState.WITHDRAWN || r.state == IntentState.FAILED)) {
                intents.remove(intent.key());
                listeners.process(new IntentEvent(IntentEvent.Type.PURGED, r.intent));
            }
        });
    }

    @Override
    public Intent getIntent(Key key) {
        Record r = intents.get(key);
        return r == null ? null : r.intent;
    }

    @Override
    public Iterable<Intent> getIntents() {
        return intents.values().stream().map(r -> r.intent).collect(Collectors.toList());
    }

    @Override
    public Iterable<Intent> getIntentsByAppId(ApplicationId id) {
        return intents.values().stream().map(r -> r.intent).filter(i -> i.appId().equals(id))
                .collect(Collectors.toList());
    }

    @Override
    public void addPending(IntentData data) {
        submit(data.intent());
    }

    @Override
    public Iterable<IntentData> getIntentData() {
        return intents.values().stream().map(r -> new IntentData(r.intent, r.state, null))
                .collect(Collectors.toList());
    }

    @Override
    public long getIntentCount() {
        return intents.size();
    }

    @Override
    public IntentState getIntentState(Key key) {
        Record r = intents.get(key);
        return r == null ? null : r.state;
    }

    @Override
    public List<Intent> getInstallableIntents(Key key) {
        Record r = intents.get(key);
        return r == null ? List.of() : r.installables;
    }

    @Override
    public boolean isLocal(Key key) {
        return true;
    }

    @Override
    public Iterable<Intent> getPending() {
        return intents.values().stream().filter(r -> r.state == IntentState.INSTALL_REQ).map(r -> r.intent)
                .collect(Collectors.toList());
    }

    @Override
    public void addListener(IntentListener listener) {
        listeners.addListener(listener);
    }

    @Override
    public void removeListener(IntentListener listener) {
        listeners.removeListener(listener);
    }

    /** Stops the worker. */
    public void shutdown() {
        worker.shutdownNow();
        Intent.unbindIdGenerator(idGenerator);
    }

    private static final class Record {
        final Intent intent;
        volatile IntentState state = IntentState.INSTALL_REQ;
        volatile List<Intent> installables = List.of();

        Record(Intent intent) {
            this.intent = intent;
        }
    }
}
