package org.tcpbypass.lab.onos;

import org.onosproject.core.ApplicationId;
import org.onosproject.event.ListenerRegistry;
import org.onosproject.net.DeviceId;
import org.onosproject.net.flow.DefaultFlowEntry;
import org.onosproject.net.flow.FlowEntry;
import org.onosproject.net.flow.FlowId;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.flow.FlowRuleEvent;
import org.onosproject.net.flow.FlowRuleListener;
import org.onosproject.net.flow.FlowRuleOperation;
import org.onosproject.net.flow.FlowRuleOperations;
import org.onosproject.net.flow.FlowRuleServiceAdapter;
import org.onosproject.net.pi.model.PiCounterModel;
import org.onosproject.net.pi.model.PiCounterType;
import org.onosproject.net.pi.model.PiPipelineModel;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.onosproject.net.pi.service.PiTranslationException;
import org.tcpbypass.lab.bmv2.Bmv2Exception;
import org.tcpbypass.lab.bmv2.Bmv2TableWriter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * ONOS's flow rule subsystem for one BMv2 switch: each flow rule is translated to a PI table entry (through
 * the pipeconf's interpreter) and written to the switch; flow entries report the entry's direct counter.
 */
public final class LabFlowRuleService extends FlowRuleServiceAdapter {

    private final DeviceId deviceId;
    private final FlowRuleTranslator translator;
    private final PiPipelineModel model;
    private final Bmv2TableWriter writer;
    private final ListenerRegistry<FlowRuleEvent, FlowRuleListener> listeners = new ListenerRegistry<>();
    private final Map<FlowId, Installed> installed = new ConcurrentHashMap<>();

    /**
     * Creates the service.
     *
     * @param deviceId   the switch
     * @param model      its pipeline model
     * @param translator flow rule to PI translation
     * @param writer     PI entry writer for the switch
     */
    public LabFlowRuleService(DeviceId deviceId, PiPipelineModel model, FlowRuleTranslator translator,
                              Bmv2TableWriter writer) {
        this.deviceId = deviceId;
        this.model = model;
        this.translator = translator;
        this.writer = writer;
    }

    @Override
    public void applyFlowRules(FlowRule... rules) {
        for (FlowRule r : rules) {
            add(r);
        }
    }

    @Override
    public void removeFlowRules(FlowRule... rules) {
        for (FlowRule r : rules) {
            remove(r);
        }
    }

    @Override
    public void removeFlowRulesById(ApplicationId appId) {
        installed.values().stream().filter(i -> i.rule.appId() == appId.id()).map(i -> i.rule)
                .collect(Collectors.toList()).forEach(this::remove);
    }

    @Override
    public void apply(FlowRuleOperations ops) {
        try {
            for (java.util.Set<FlowRuleOperation> stage : ops.stages()) {
                for (FlowRuleOperation op : stage) {
                    if (op.type() == FlowRuleOperation.Type.REMOVE) {
                        remove(op.rule());
                    } else {
                        add(op.rule());
                    }
                }
            }
        } catch (RuntimeException e) {
            if (ops.callback() != null) {
                ops.callback().onError(ops);
            }
            return;
        }
        if (ops.callback() != null) {
            ops.callback().onSuccess(ops);
        }
    }

    /**
     * Installs one rule.
     *
     * @param rule flow rule for the lab's switch
     * @throws IllegalArgumentException when the rule has no PI form or BMv2 refuses it
     */
    public void add(FlowRule rule) {
        if (!rule.deviceId().equals(deviceId)) {
            throw new IllegalArgumentException("the lab has no device " + rule.deviceId());
        }
        PiTableEntry entry;
        try {
            entry = translator.translate(rule);
        } catch (PiTranslationException e) {
            throw new IllegalArgumentException("no PI form for " + rule + ": " + e.getMessage(), e);
        }
        Installed old = installed.remove(rule.id());
        if (old != null) {
            writer.delete(old.entry.table().id(), old.handle);
        }
        long handle = writer.add(entry);
        Installed i = new Installed(rule, entry, handle, directCounter(entry));
        installed.put(rule.id(), i);
        listeners.process(new FlowRuleEvent(FlowRuleEvent.Type.RULE_ADDED, i.snapshot(0, 0)));
    }

    private void remove(FlowRule rule) {
        Installed i = installed.remove(rule.id());
        if (i == null) {
            return;
        }
        writer.delete(i.entry.table().id(), i.handle);
        listeners.process(new FlowRuleEvent(FlowRuleEvent.Type.RULE_REMOVED, i.snapshot(0, 0)));
    }

    private Optional<String> directCounter(PiTableEntry entry) {
        return model.counters().stream()
                .filter(c -> c.counterType() == PiCounterType.DIRECT && entry.table().equals(c.table()))
                .map(PiCounterModel::id).map(id -> id.id()).findFirst();
    }

    /**
     * Returns the PI entry a rule was written as, for reports.
     *
     * @param id flow id
     * @return entry
     */
    public Optional<PiTableEntry> piEntry(FlowId id) {
        return Optional.ofNullable(installed.get(id)).map(i -> i.entry);
    }

    @Override
    public int getFlowRuleCount() {
        return installed.size();
    }

    @Override
    public FlowEntry getFlowEntry(FlowRule rule) {
        Installed i = installed.get(rule.id());
        return i == null ? null : read(i).orElse(null);
    }

    @Override
    public Iterable<FlowEntry> getFlowEntries(DeviceId device) {
        if (!device.equals(deviceId)) {
            return List.of();
        }
        List<FlowEntry> entries = new ArrayList<>();
        installed.values().forEach(i -> read(i).ifPresent(entries::add));
        return entries;
    }

    @Override
    public Iterable<FlowEntry> getFlowEntriesById(ApplicationId appId) {
        List<FlowEntry> entries = new ArrayList<>();
        installed.values().stream().filter(i -> i.rule.appId() == appId.id())
                .forEach(i -> read(i).ifPresent(entries::add));
        return entries;
    }

    // Empty when the entry was removed while being read: ONOS's store would no longer list it either.
    private Optional<FlowEntry> read(Installed i) {
        if (i.counter.isEmpty()) {
            return Optional.of(i.snapshot(0, 0));
        }
        try {
            long[] c = writer.counter(i.counter.get(), i.handle);
            return Optional.of(i.snapshot(c[0], c[1]));
        } catch (Bmv2Exception e) {
            if (installed.get(i.rule.id()) != i) {
                return Optional.empty();
            }
            throw e;
        }
    }

    @Override
    public void addListener(FlowRuleListener listener) {
        listeners.addListener(listener);
    }

    @Override
    public void removeListener(FlowRuleListener listener) {
        listeners.removeListener(listener);
    }

    private static final class Installed {
        final FlowRule rule;
        final PiTableEntry entry;
        final long handle;
        final Optional<String> counter;
        final long created = System.currentTimeMillis();

        Installed(FlowRule rule, PiTableEntry entry, long handle, Optional<String> counter) {
            this.rule = rule;
            this.entry = entry;
            this.handle = handle;
            this.counter = counter;
        }

        FlowEntry snapshot(long packets, long bytes) {
            return new DefaultFlowEntry(rule, FlowEntry.FlowEntryState.ADDED,
                                        TimeUnit.MILLISECONDS.toSeconds(System.currentTimeMillis() - created),
                                        TimeUnit.SECONDS, packets, bytes);
        }
    }
}
