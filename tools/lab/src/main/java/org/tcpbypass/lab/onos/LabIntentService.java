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

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * ONOS's intent subsystem on one node, for the intents tcp-bypass submits: installs a FlowRuleIntent's flow rules
 * through the flow rule service as it is (ONOS's intent manager compiles nothing for an installable intent), and
 * reports INSTALLED, FAILED, WITHDRAWN and PURGED to listeners, asynchronously as ONOS's intent manager does; what
 * queues up while the switch is written goes to it in one batch.
 */
public final class LabIntentService implements IntentService {

    private static final Logger log = LoggerFactory.getLogger(LabIntentService.class);
    // Operations applied together at most: ONOS's intent accumulator batches up to 500.
    private static final int MAX_BATCH = 500;

    private final LabFlowRuleService flowRules;
    private final ListenerRegistry<IntentEvent, IntentListener> listeners = new ListenerRegistry<>();
    private final Map<Key, Record> intents = new ConcurrentHashMap<>();
    private final AtomicLong nextId = new AtomicLong(1);
    private final IdGenerator idGenerator = nextId::getAndIncrement;
    private final LinkedBlockingQueue<Op> queue = new LinkedBlockingQueue<>();
    private final Thread worker = new Thread(this::work, "lab-intents");
    private volatile boolean running = true;

    /**
     * Creates the service.
     *
     * @param flowRules where installable intents' rules go
     */
    public LabIntentService(LabFlowRuleService flowRules) {
        this.flowRules = flowRules;
        // ONOS's intent manager binds the generator intents draw their ids from.
        Intent.bindIdGenerator(idGenerator);
        worker.setDaemon(true);
        worker.start();
    }

    @Override
    public void submit(Intent intent) {
        Record r = new Record(intent);
        Record previous = intents.put(intent.key(), r);
        queue.add(new Op(Op.Kind.INSTALL, r, previous));
    }

    @Override
    public void withdraw(Intent intent) {
        Record r = intents.get(intent.key());
        if (r != null) {
            queue.add(new Op(Op.Kind.WITHDRAW, r, null));
        }
    }

    @Override
    public void purge(Intent intent) {
        queue.add(new Op(Op.Kind.PURGE, new Record(intent), null));
    }

    // One thread applies operations in submission order. What has queued up meanwhile is applied together, as ONOS's
    // intent manager accumulates intent operations into batches and its flow rule subsystem sends a device's rules in
    // one batch: all removals in one write, then all insertions in one write (a run ends where an intent comes again).
    private void work() {
        List<Op> batch = new ArrayList<>();
        while (running) {
            try {
                Op first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch, MAX_BATCH - 1);
                List<Op> run = new ArrayList<>();
                Set<Key> keys = new HashSet<>();
                for (Op op : batch) {
                    if (!keys.add(op.record.intent.key())) {
                        apply(run);
                        run.clear();
                        keys.clear();
                        keys.add(op.record.intent.key());
                    }
                    run.add(op);
                }
                apply(run);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("intent batch failed: {}", e.toString());
            } finally {
                batch.clear();
            }
        }
    }

    private void apply(List<Op> run) {
        List<FlowRule> removals = new ArrayList<>();
        List<Op> installs = new ArrayList<>();
        for (Op op : run) {
            if (op.kind == Op.Kind.WITHDRAW) {
                removals.addAll(rules(op.record));
            } else if (op.kind == Op.Kind.INSTALL) {
                if (op.previous != null) {
                    removals.addAll(rules(op.previous));
                }
                try {
                    op.record.installables = compile(op.record.intent);
                    installs.add(op);
                } catch (RuntimeException e) {
                    fail(op.record, e);
                }
            }
        }
        flowRules.removeFlowRules(removals.toArray(new FlowRule[0]));
        install(installs);
        for (Op op : run) {
            if (op.kind == Op.Kind.WITHDRAW) {
                op.record.state = IntentState.WITHDRAWN;
                listeners.process(new IntentEvent(IntentEvent.Type.WITHDRAWN, op.record.intent));
            } else if (op.kind == Op.Kind.PURGE) {
                purgeNow(op.record.intent);
            }
        }
    }

    // The rules of all intents in one batch; when the switch refuses it, each intent alone, so only the intent whose
    // rules are refused fails.
    private void install(List<Op> installs) {
        if (installs.isEmpty()) {
            return;
        }
        try {
            flowRules.add(installs.stream().flatMap(op -> rules(op.record).stream()).collect(Collectors.toList()));
            installs.forEach(op -> installed(op.record));
        } catch (RuntimeException e) {
            if (installs.size() == 1) {
                fail(installs.get(0).record, e);
                return;
            }
            for (Op op : installs) {
                try {
                    flowRules.add(rules(op.record));
                    installed(op.record);
                } catch (RuntimeException alone) {
                    fail(op.record, alone);
                }
            }
        }
    }

    private void installed(Record r) {
        r.state = IntentState.INSTALLED;
        listeners.process(new IntentEvent(IntentEvent.Type.INSTALLED, r.intent));
    }

    private void fail(Record r, RuntimeException e) {
        log.warn("intent {} failed: {}", r.intent.key(), e.toString());
        flowRules.removeFlowRules(rules(r).toArray(new FlowRule[0]));
        r.state = IntentState.FAILED;
        listeners.process(new IntentEvent(IntentEvent.Type.FAILED, r.intent));
    }

    private static List<FlowRule> rules(Record r) {
        return r.installables.stream().filter(i -> i instanceof FlowRuleIntent)
                .flatMap(i -> ((FlowRuleIntent) i).flowRules().stream()).collect(Collectors.toList());
    }

    private static List<Intent> compile(Intent intent) {
        if (!(intent instanceof FlowRuleIntent)) {
            throw new IllegalStateException("the lab installs flow rule intents only, not "
                                                    + intent.getClass().getName());
        }
        return List.of(intent);
    }

    private void purgeNow(Intent intent) {
        Record r = intents.get(intent.key());
        if (r != null && (r.state == IntentState.WITHDRAWN || r.state == IntentState.FAILED)) {
            intents.remove(intent.key());
            listeners.process(new IntentEvent(IntentEvent.Type.PURGED, r.intent));
        }
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
        running = false;
        worker.interrupt();
        Intent.unbindIdGenerator(idGenerator);
    }

    private static final class Op {
        enum Kind { INSTALL, WITHDRAW, PURGE }

        final Kind kind;
        final Record record;
        final Record previous;

        Op(Kind kind, Record record, Record previous) {
            this.kind = kind;
            this.record = record;
            this.previous = previous;
        }
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
