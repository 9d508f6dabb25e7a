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
import org.onosproject.net.pi.model.PiCounterType;
import org.onosproject.net.pi.model.PiPipelineModel;
import org.onosproject.net.pi.runtime.PiCounterCellData;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.onosproject.net.pi.service.PiTranslationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tcpbypass.lab.bmv2.SwitchControl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * ONOS's flow rule subsystem for one BMv2 switch: each flow rule is translated to a PI table entry (through
 * the pipeconf's interpreter) and written to the switch, the rules of one call in one batch (one P4Runtime
 * WriteRequest, as ONOS's flow rule driver sends a device's batch); flow entries report the entry's direct
 * counter.
 */
public final class LabFlowRuleService extends FlowRuleServiceAdapter {

    private static final Logger log = LoggerFactory.getLogger(LabFlowRuleService.class);

    private final DeviceId deviceId;
    private final FlowRuleTranslator translator;
    private final PiPipelineModel model;
    private final SwitchControl control;
    private final ListenerRegistry<FlowRuleEvent, FlowRuleListener> listeners = new ListenerRegistry<>();
    private final Map<FlowId, Installed> installed = new ConcurrentHashMap<>();
    private final AtomicReference<CompletableFuture<List<FlowEntry>>> reading = new AtomicReference<>();

    /**
     * Creates the service.
     *
     * @param deviceId   the switch
     * @param model      its pipeline model
     * @param translator flow rule to PI translation
     * @param control    the switch's write and read path
     */
    public LabFlowRuleService(DeviceId deviceId, PiPipelineModel model, FlowRuleTranslator translator,
                              SwitchControl control) {
        this.deviceId = deviceId;
        this.model = model;
        this.translator = translator;
        this.control = control;
    }

    @Override
    public void applyFlowRules(FlowRule... rules) {
        add(List.of(rules));
    }

    @Override
    public void removeFlowRules(FlowRule... rules) {
        remove(List.of(rules));
    }

    @Override
    public void removeFlowRulesById(ApplicationId appId) {
        remove(installed.values().stream().filter(i -> i.rule.appId() == appId.id()).map(i -> i.rule)
                       .collect(Collectors.toList()));
    }

    @Override
    public void apply(FlowRuleOperations ops) {
        try {
            for (java.util.Set<FlowRuleOperation> stage : ops.stages()) {
                remove(stage.stream().filter(op -> op.type() == FlowRuleOperation.Type.REMOVE)
                               .map(FlowRuleOperation::rule).collect(Collectors.toList()));
                add(stage.stream().filter(op -> op.type() != FlowRuleOperation.Type.REMOVE)
                            .map(FlowRuleOperation::rule).collect(Collectors.toList()));
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
     * @throws IllegalArgumentException when the rule has no PI form or the switch refuses it
     */
    public void add(FlowRule rule) {
        add(List.of(rule));
    }

    /**
     * Installs rules in one batch: all are translated first, so a rule without PI form writes nothing.
     *
     * @param rules flow rules for the lab's switch
     * @throws IllegalArgumentException when a rule has no PI form or the switch refuses the batch
     */
    public void add(List<FlowRule> rules) {
        if (rules.isEmpty()) {
            return;
        }
        List<Installed> batch = new ArrayList<>();
        for (FlowRule rule : rules) {
            if (!rule.deviceId().equals(deviceId)) {
                throw new IllegalArgumentException("the lab has no device " + rule.deviceId());
            }
            try {
                PiTableEntry entry = translator.translate(rule);
                batch.add(new Installed(rule, entry, hasDirectCounter(entry)));
            } catch (PiTranslationException e) {
                throw new IllegalArgumentException("no PI form for " + rule + ": " + e.getMessage(), e);
            }
        }
        // A rule installed again replaces its entry: deleted first, in its own batch, since P4Runtime applies the
        // updates of one WriteRequest in no particular order.
        List<PiTableEntry> replaced = batch.stream().map(i -> installed.remove(i.rule.id())).filter(Objects::nonNull)
                .map(i -> i.entry).collect(Collectors.toList());
        if (!replaced.isEmpty()) {
            control.delete(replaced);
        }
        List<PiTableEntry> entries = batch.stream().map(i -> i.entry).collect(Collectors.toList());
        try {
            control.insert(entries);
        } catch (RuntimeException e) {
            // P4Runtime applies the updates it can and reports the others: take back what the switch took, so the
            // rules can be installed again (alone, by the intent service) without duplicates.
            if (entries.size() > 1) {
                for (PiTableEntry entry : entries) {
                    try {
                        control.delete(List.of(entry));
                    } catch (RuntimeException notInserted) {
                        log.debug("{} was not inserted: {}", entry, notInserted.getMessage());
                    }
                }
            }
            throw e;
        }
        for (Installed i : batch) {
            installed.put(i.rule.id(), i);
            listeners.process(new FlowRuleEvent(FlowRuleEvent.Type.RULE_ADDED, i.snapshot(0, 0)));
        }
    }

    private void remove(List<FlowRule> rules) {
        List<Installed> batch = rules.stream().map(r -> installed.remove(r.id())).filter(Objects::nonNull)
                .collect(Collectors.toList());
        if (batch.isEmpty()) {
            return;
        }
        control.delete(batch.stream().map(i -> i.entry).collect(Collectors.toList()));
        for (Installed i : batch) {
            listeners.process(new FlowRuleEvent(FlowRuleEvent.Type.RULE_REMOVED, i.snapshot(0, 0)));
        }
    }

    private boolean hasDirectCounter(PiTableEntry entry) {
        return model.counters().stream()
                .anyMatch(c -> c.counterType() == PiCounterType.DIRECT && entry.table().equals(c.table()));
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
        return i == null ? null : read(List.of(i)).stream().findFirst().orElse(null);
    }

    @Override
    public Iterable<FlowEntry> getFlowEntries(DeviceId device) {
        return device.equals(deviceId) ? readAll() : List.of();
    }

    @Override
    public Iterable<FlowEntry> getFlowEntriesById(ApplicationId appId) {
        return readAll().stream().filter(e -> e.appId() == appId.id()).collect(Collectors.toList());
    }

    // ONOS answers these from its flow rule store (counters refreshed every fallbackFlowPollFrequency, 30 s by
    // default); the lab reads the switch, once for all callers that ask while a read is under way (the app lists
    // the device's entries at every counter poll, so concurrent callers would each read every entry's counter).
    private List<FlowEntry> readAll() {
        CompletableFuture<List<FlowEntry>> mine = new CompletableFuture<>();
        CompletableFuture<List<FlowEntry>> underway = reading.compareAndExchange(null, mine);
        if (underway != null) {
            return underway.join();
        }
        try {
            List<FlowEntry> entries = read(List.copyOf(installed.values()));
            mine.complete(entries);
            return entries;
        } catch (RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            reading.set(null);
        }
    }

    // The counters of all entries asked for in one read. When that read fails because an entry was removed
    // meanwhile, each is read alone, and a removed one is left out: ONOS's store would no longer list it either.
    private List<FlowEntry> read(List<Installed> entries) {
        List<Installed> counted = entries.stream().filter(i -> i.hasCounter).collect(Collectors.toList());
        List<FlowEntry> result = entries.stream().filter(i -> !i.hasCounter).map(i -> i.snapshot(0, 0))
                .collect(Collectors.toList());
        try {
            List<PiCounterCellData> cells = control.directCounters(
                    counted.stream().map(i -> i.entry).collect(Collectors.toList()));
            for (int k = 0; k < counted.size(); k++) {
                result.add(counted.get(k).snapshot(cells.get(k).packets(), cells.get(k).bytes()));
            }
        } catch (RuntimeException e) {
            if (counted.stream().allMatch(i -> installed.get(i.rule.id()) == i)) {
                throw e;
            }
            for (Installed i : counted) {
                readAlone(i).ifPresent(result::add);
            }
        }
        return result;
    }

    private Optional<FlowEntry> readAlone(Installed i) {
        try {
            PiCounterCellData c = control.directCounters(List.of(i.entry)).get(0);
            return Optional.of(i.snapshot(c.packets(), c.bytes()));
        } catch (RuntimeException e) {
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
        final boolean hasCounter;
        final long created = System.currentTimeMillis();

        Installed(FlowRule rule, PiTableEntry entry, boolean hasCounter) {
            this.rule = rule;
            this.entry = entry;
            this.hasCounter = hasCounter;
        }

        FlowEntry snapshot(long packets, long bytes) {
            return new DefaultFlowEntry(rule, FlowEntry.FlowEntryState.ADDED,
                                        TimeUnit.MILLISECONDS.toSeconds(System.currentTimeMillis() - created),
                                        TimeUnit.SECONDS, packets, bytes);
        }
    }
}
