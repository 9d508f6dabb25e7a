package org.tcpbypass.impl;

import org.onosproject.net.DeviceId;
import org.onosproject.net.config.NetworkConfigService;
import org.onosproject.net.config.basics.BasicDeviceConfig;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.pi.model.PiPipeconf;
import org.onosproject.net.pi.model.PiCounterId;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiCounterCell;
import org.onosproject.net.pi.runtime.PiCounterCellData;
import org.onosproject.net.pi.runtime.PiCounterCellHandle;
import org.onosproject.net.pi.runtime.PiCounterCellId;
import org.onosproject.net.pi.runtime.PiHandle;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.onosproject.net.pi.service.PiPipeconfService;
import org.onosproject.net.pi.service.PiTranslationException;
import org.onosproject.net.pi.service.PiTranslationService;
import org.onosproject.p4runtime.api.P4RuntimeClient;
import org.onosproject.p4runtime.api.P4RuntimeController;
import org.onosproject.p4runtime.api.P4RuntimeReadClient;

import java.net.URI;
import java.util.AbstractMap.SimpleImmutableEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Reads flow rules' direct counters from their switch over P4Runtime, all in one read request, as ONOS's P4Runtime
 * flow rule driver reads them when it polls; and indirect counters, which no ONOS service reads. The flow rule
 * service answers from ONOS's store, which that poll refreshes only every {@code fallbackFlowPollFrequency} (30 s by
 * default): a bypass released between two polls would end with the counters of the last one, and one shorter than a
 * poll with none.
 */
final class SwitchCounters {

    // ONOS's P4Runtime driver takes the switch's P4Runtime device id from its management address, as in
    // grpc://127.0.0.1:50001?device_id=1.
    private static final String DEVICE_ID_PARAM = "device_id=";

    private final Supplier<P4RuntimeController> controller;
    private final Supplier<PiTranslationService> translation;
    private final PiPipeconfService pipeconfs;
    private final NetworkConfigService netcfg;
    private final long inFlightMillis;
    private final Map<DeviceId, DeviceReads> deviceReads = new ConcurrentHashMap<>();

    /**
     * Creates the reader.
     *
     * @param controller     ONOS's P4Runtime clients, or null where the P4Runtime protocol is not loaded
     * @param translation    ONOS's flow rule to PI translation, or null where it is not available
     * @param pipeconfs      the devices' pipeconfs
     * @param netcfg         the devices' basic configuration (management address)
     * @param inFlightMillis how long a direct-counter read may stay unanswered before the next one goes to its switch
     */
    SwitchCounters(Supplier<P4RuntimeController> controller, Supplier<PiTranslationService> translation,
                   PiPipeconfService pipeconfs, NetworkConfigService netcfg, long inFlightMillis) {
        this.controller = controller;
        this.translation = translation;
        this.pipeconfs = pipeconfs;
        this.netcfg = netcfg;
        this.inFlightMillis = inFlightMillis;
    }

    /**
     * Reads the rules' counters. Reads asked for while another read of the same switch is under way go to it together,
     * in one request, when that one is answered (or has waited inFlightMillis).
     *
     * @param device the switch holding the rules
     * @param rules  rules of tables with a direct counter
     * @return each rule's counter cell; completes exceptionally, naming why, when the switch cannot be read so (no
     *         P4Runtime client or translation, no device_id or pipeconf, a rule that does not translate, a failed read
     *         or a cell missing from the answer)
     */
    CompletableFuture<Map<FlowRule, PiCounterCellData>> read(DeviceId device, Collection<FlowRule> rules) {
        PiTranslationService t = translation.get();
        if (t == null) {
            return failed("no PI translation for " + device);
        }
        PiPipeconf pipeconf = pipeconfs.getPipeconf(device).orElse(null);
        try {
            client(device, pipeconf);
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        Map<FlowRule, Map.Entry<PiTableId, PiMatchKey>> keys = new LinkedHashMap<>();
        List<PiHandle> handles = new ArrayList<>();
        for (FlowRule rule : rules) {
            PiTableEntry entry;
            try {
                entry = t.flowRuleTranslator().translate(rule, pipeconf);
            } catch (PiTranslationException e) {
                return failed("flow rule " + rule.id() + " does not translate: " + e.getMessage());
            }
            keys.put(rule, key(entry));
            handles.add(PiCounterCellHandle.of(device, PiCounterCellId.ofDirect(entry)));
        }
        DirectRead read = new DirectRead(keys, handles);
        deviceReads.computeIfAbsent(device, DeviceReads::new).add(read);
        return read.cells;
    }

    /**
     * Reads the packet counts of an indirect counter's cells.
     *
     * @param device  the switch
     * @param counter an indirect counter of the switch's pipeline
     * @param size    its number of cells
     * @return the packets of cells 0 to size - 1; completes exceptionally, naming why, as {@link #read} does
     */
    CompletableFuture<long[]> readPackets(DeviceId device, PiCounterId counter, int size) {
        List<PiHandle> handles = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            handles.add(PiCounterCellHandle.of(device, PiCounterCellId.ofIndirect(counter, i)));
        }
        return submit(device, handles, response -> {
            long[] packets = new long[size];
            boolean[] answered = new boolean[size];
            for (PiCounterCell cell : response.all(PiCounterCell.class)) {
                long index = cell.cellId().index();
                if (counter.equals(cell.cellId().counterId()) && index >= 0 && index < size) {
                    packets[(int) index] = cell.data().packets();
                    answered[(int) index] = true;
                }
            }
            for (int i = 0; i < size; i++) {
                if (!answered[i]) {
                    throw new IllegalStateException(device + " did not answer cell " + i + " of " + counter);
                }
            }
            return packets;
        });
    }

    /**
     * Reads the cells from the switch in one request and makes the answer of a successful response; completes
     * exceptionally, naming why, when the switch has no P4Runtime client, device_id or pipeconf, or the read fails.
     */
    private <T> CompletableFuture<T> submit(DeviceId device, List<PiHandle> handles,
                                            Function<P4RuntimeReadClient.ReadResponse, T> answer) {
        PiPipeconf pipeconf = pipeconfs.getPipeconf(device).orElse(null);
        P4RuntimeReadClient.ReadRequest request;
        try {
            request = client(device, pipeconf).read(p4DeviceId(device), pipeconf);
        } catch (IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
        return request.handles(handles).submit().thenApply(response -> {
            if (!response.isSuccess()) {
                throw new IllegalStateException("reading counters of " + device + " failed: "
                                                        + response.explanation());
            }
            return answer.apply(response);
        });
    }

    /** The switch's P4Runtime client, when it has a device_id and a pipeconf too; or this says which it lacks. */
    private P4RuntimeClient client(DeviceId device, PiPipeconf pipeconf) {
        P4RuntimeController c = controller.get();
        P4RuntimeClient client = c == null ? null : c.get(device);
        if (client == null) {
            throw new IllegalStateException("no P4Runtime client for " + device);
        }
        if (p4DeviceId(device) == null || pipeconf == null) {
            throw new IllegalStateException(device + " has no P4Runtime device_id in its management address or no "
                                                    + "pipeconf");
        }
        return client;
    }

    // The switch answers with the entry's table and match key only.
    private static Map.Entry<PiTableId, PiMatchKey> key(PiTableEntry entry) {
        return new SimpleImmutableEntry<>(entry.table(), entry.matchKey());
    }

    private Long p4DeviceId(DeviceId device) {
        BasicDeviceConfig cfg = netcfg.getConfig(device, BasicDeviceConfig.class);
        String address = cfg == null ? null : cfg.managementAddress();
        String query;
        try {
            query = address == null ? null : URI.create(address).getRawQuery();
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (query == null) {
            return null;
        }
        for (String param : query.split("&")) {
            if (param.startsWith(DEVICE_ID_PARAM)) {
                try {
                    return Long.parseUnsignedLong(param.substring(DEVICE_ID_PARAM.length()));
                } catch (NumberFormatException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private static <T> CompletableFuture<T> failed(String why) {
        return CompletableFuture.failedFuture(new IllegalStateException(why));
    }

    /** One caller's direct-counter read: its rules' entry keys and cell handles, and its answer. */
    private static final class DirectRead {
        final Map<FlowRule, Map.Entry<PiTableId, PiMatchKey>> keys;
        final List<PiHandle> handles;
        final CompletableFuture<Map<FlowRule, PiCounterCellData>> cells = new CompletableFuture<>();

        DirectRead(Map<FlowRule, Map.Entry<PiTableId, PiMatchKey>> keys, List<PiHandle> handles) {
            this.keys = keys;
            this.handles = handles;
        }

        /** Answers with this read's cells, or fails naming how many the switch answered. */
        void answer(DeviceId device, Map<Map.Entry<PiTableId, PiMatchKey>, PiCounterCellData> answered) {
            Map<FlowRule, PiCounterCellData> mine = new HashMap<>();
            keys.forEach((rule, key) -> {
                PiCounterCellData data = answered.get(key);
                if (data != null) {
                    mine.put(rule, data);
                }
            });
            if (mine.size() != keys.size()) {
                cells.completeExceptionally(new IllegalStateException(
                        device + " answered " + mine.size() + " of " + keys.size() + " counter cells"));
            } else {
                cells.complete(mine);
            }
        }
    }

    /**
     * A switch's direct-counter reads: one ReadRequest at a time, and the reads asked for meanwhile go together in the
     * next one. Each release reads its entries' counters; at a thousand releases a second, one request each would cost
     * the controller and the switch a gRPC exchange each, where an idle switch still gets a read at once.
     */
    private final class DeviceReads {
        private final DeviceId device;
        private final List<DirectRead> waiting = new ArrayList<>();
        private boolean inFlight;

        DeviceReads(DeviceId device) {
            this.device = device;
        }

        void add(DirectRead read) {
            List<DirectRead> batch;
            synchronized (this) {
                waiting.add(read);
                batch = next();
            }
            send(batch);
        }

        // Under the lock: the reads to send now, or null while one is in flight or none waits. A read whose caller
        // stopped waiting is dropped.
        private List<DirectRead> next() {
            waiting.removeIf(r -> r.cells.isDone());
            if (inFlight || waiting.isEmpty()) {
                return null;
            }
            inFlight = true;
            List<DirectRead> batch = new ArrayList<>(waiting);
            waiting.clear();
            return batch;
        }

        private void send(List<DirectRead> first) {
            List<DirectRead> batch = first;
            while (batch != null) {
                List<DirectRead> sent = batch;
                CompletableFuture<Map<Map.Entry<PiTableId, PiMatchKey>, PiCounterCellData>> answer = readTogether(sent);
                if (!answer.isDone()) {
                    // A switch that does not answer holds the reads behind this one no longer than inFlightMillis.
                    answer.orTimeout(inFlightMillis, TimeUnit.MILLISECONDS)
                            .whenComplete((cells, error) -> send(finish(sent, cells, error)));
                    return;
                }
                batch = answer.handle((cells, error) -> finish(sent, cells, error)).join();
            }
        }

        private CompletableFuture<Map<Map.Entry<PiTableId, PiMatchKey>, PiCounterCellData>> readTogether(
                List<DirectRead> batch) {
            List<PiHandle> handles = new ArrayList<>();
            batch.forEach(r -> handles.addAll(r.handles));
            return submit(device, handles, response -> {
                Map<Map.Entry<PiTableId, PiMatchKey>, PiCounterCellData> cells = new HashMap<>();
                for (PiCounterCell cell : response.all(PiCounterCell.class)) {
                    PiTableEntry entry = cell.cellId().tableEntry();
                    if (entry != null) {
                        cells.put(key(entry), cell.data());
                    }
                }
                return cells;
            });
        }

        // Answers the batch's reads; returns the next batch to send, if any. When a read of several callers' cells
        // fails, the first caller's is asked again alone and the others' together after it, so a read that keeps
        // failing sheds one caller at a time: one released entry must not fail the others.
        private List<DirectRead> finish(List<DirectRead> batch,
                                        Map<Map.Entry<PiTableId, PiMatchKey>, PiCounterCellData> cells,
                                        Throwable error) {
            synchronized (this) {
                inFlight = false;
                if (error != null && batch.size() > 1) {
                    waiting.addAll(0, batch);
                    waiting.removeIf(r -> r.cells.isDone());
                    if (waiting.isEmpty()) {
                        return null;
                    }
                    inFlight = true;
                    return List.of(waiting.remove(0));
                }
            }
            Throwable cause = error instanceof CompletionException ? error.getCause() : error;
            for (DirectRead r : batch) {
                if (cause != null) {
                    r.cells.completeExceptionally(cause);
                } else {
                    r.answer(device, cells);
                }
            }
            synchronized (this) {
                return next();
            }
        }
    }
}
