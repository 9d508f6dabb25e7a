package org.tcpbypass.lab.bmv2;

import org.onosproject.net.pi.model.PiCounterId;
import org.onosproject.net.pi.model.PiCounterType;
import org.onosproject.net.pi.model.PiPipelineModel;
import org.onosproject.net.pi.runtime.PiCounterCellData;
import org.onosproject.net.pi.runtime.PiPacketOperation;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.onosproject.net.pi.runtime.PiTableEntryHandle;
import org.onosproject.net.DeviceId;
import org.tcpbypass.lab.net.FramePort;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The fallback where simple_switch_grpc is not built: entries through one simple_switch_CLI session (thrift),
 * one command each, packet I/O on the CPU port's veth. BMv2's CLI names entries by handle, so the handles of
 * inserted entries are kept by key (table, match, priority).
 */
public final class ThriftSwitchControl implements SwitchControl {

    // The handle's device only scopes keys; one switch per control.
    private static final DeviceId KEY_SCOPE = DeviceId.deviceId("lab:thrift");

    private final Bmv2Cli cli;
    private final Bmv2TableWriter writer;
    private final CpuPortPacketIo packets;
    private final PiPipelineModel model;
    private final Map<PiTableEntryHandle, Long> handles = new ConcurrentHashMap<>();

    /**
     * Connects to a running simple_switch.
     *
     * @param thriftPort its thrift port
     * @param json       the BMv2 JSON it runs
     * @param model      the pipeline model (controller header layout)
     * @param cpu        the controller's end of the CPU port's veth
     */
    public ThriftSwitchControl(int thriftPort, Path json, PiPipelineModel model, FramePort cpu) {
        this.cli = Bmv2Cli.connect(thriftPort);
        this.writer = new Bmv2TableWriter(cli, json);
        this.packets = new CpuPortPacketIo(model, cpu);
        this.model = model;
    }

    @Override
    public String path() {
        return THRIFT;
    }

    @Override
    public void insert(List<PiTableEntry> entries) {
        for (PiTableEntry e : entries) {
            handles.put(e.handle(KEY_SCOPE), writer.add(e));
        }
    }

    @Override
    public void delete(List<PiTableEntry> entries) {
        for (PiTableEntry e : entries) {
            Long handle = handles.remove(e.handle(KEY_SCOPE));
            if (handle == null) {
                throw new Bmv2Exception("no entry " + e + " was inserted");
            }
            writer.delete(e.table().id(), handle);
        }
    }

    @Override
    public List<PiCounterCellData> directCounters(List<PiTableEntry> entries) {
        List<PiCounterCellData> cells = new ArrayList<>();
        for (PiTableEntry entry : entries) {
            Long handle = handles.get(entry.handle(KEY_SCOPE));
            if (handle == null) {
                throw new Bmv2Exception("no entry " + entry + " is installed");
            }
            String counter = model.counters().stream()
                    .filter(c -> c.counterType() == PiCounterType.DIRECT && entry.table().equals(c.table()))
                    .map(c -> c.id().id()).findFirst()
                    .orElseThrow(() -> new Bmv2Exception("table " + entry.table() + " has no direct counter"));
            long[] c = writer.counter(counter, handle);
            cells.add(new PiCounterCellData(c[0], c[1]));
        }
        return cells;
    }

    @Override
    public long[] counterPackets(PiCounterId counter, int size) {
        long[] packets = new long[size];
        for (int i = 0; i < size; i++) {
            packets[i] = writer.counter(counter.id(), i)[0];
        }
        return packets;
    }

    @Override
    public void addCloneSession(int sessionId, long port) {
        cli.mirroringAdd(sessionId, (int) port);
    }

    @Override
    public void packetOut(PiPacketOperation op) {
        packets.packetOut(op);
    }

    @Override
    public void onPacketIn(Consumer<PiPacketOperation> handler) {
        packets.onPacketIn(handler);
    }

    @Override
    public void close() {
        packets.close();
        cli.close();
    }
}
