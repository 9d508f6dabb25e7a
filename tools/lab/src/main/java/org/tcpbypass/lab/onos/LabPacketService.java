package org.tcpbypass.lab.onos;

import org.tcpbypass.lab.bmv2.SwitchControl;

import org.onosproject.core.ApplicationId;
import org.onosproject.net.DeviceId;
import org.onosproject.net.flow.TrafficSelector;
import org.onosproject.net.packet.DefaultPacketContext;
import org.onosproject.net.packet.InboundPacket;
import org.onosproject.net.packet.OutboundPacket;
import org.onosproject.net.packet.PacketPriority;
import org.onosproject.net.packet.PacketProcessor;
import org.onosproject.net.packet.PacketProcessorEntry;
import org.onosproject.net.packet.PacketRequest;
import org.onosproject.net.packet.PacketService;
import org.onosproject.net.pi.model.PiPipelineInterpreter;
import org.onosproject.net.pi.runtime.PiPacketOperation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * ONOS's packet subsystem for the lab's switch: packet-ins (PI operations with the controller header's metadata,
 * from the P4Runtime stream channel or the CPU port) go through the pipeconf's interpreter to InboundPackets,
 * and processors see them in priority order; emit goes the other way.
 */
public final class LabPacketService implements PacketService {

    private static final Logger log = LoggerFactory.getLogger(LabPacketService.class);

    private final DeviceId deviceId;
    private final PiPipelineInterpreter interpreter;
    private final SwitchControl control;
    private final List<Entry> processors = new CopyOnWriteArrayList<>();
    private final List<PacketRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicLong packetIns = new AtomicLong();

    /**
     * Starts taking the switch's packet-ins.
     *
     * @param deviceId    the switch
     * @param interpreter the pipeconf's interpreter
     * @param control     the switch's packet I/O
     */
    public LabPacketService(DeviceId deviceId, PiPipelineInterpreter interpreter, SwitchControl control) {
        this.deviceId = deviceId;
        this.interpreter = interpreter;
        this.control = control;
        control.onPacketIn(this::dispatch);
    }

    private void dispatch(PiPacketOperation op) {
        InboundPacket in;
        try {
            in = interpreter.mapInboundPacket(op, deviceId);
        } catch (PiPipelineInterpreter.PiInterpreterException | RuntimeException e) {
            log.warn("packet-in dropped: {}", e.toString());
            return;
        }
        packetIns.incrementAndGet();
        Context context = new Context(in);
        for (Entry e : processors) {
            long start = System.nanoTime();
            e.processor.process(context);
            e.invocations.incrementAndGet();
            e.nanos.addAndGet(System.nanoTime() - start);
        }
    }

    /** Number of packet-ins delivered to processors so far. */
    public long packetIns() {
        return packetIns.get();
    }

    @Override
    public void addProcessor(PacketProcessor processor, int priority) {
        processors.add(new Entry(processor, priority));
        processors.sort(Comparator.comparingInt(Entry::priority).reversed());
    }

    @Override
    public void removeProcessor(PacketProcessor processor) {
        processors.removeIf(e -> e.processor == processor);
    }

    @Override
    public List<PacketProcessorEntry> getProcessors() {
        return List.copyOf(processors);
    }

    @Override
    public void requestPackets(TrafficSelector selector, PacketPriority priority, ApplicationId appId) {
        requests.add(new org.onosproject.net.packet.DefaultPacketRequest(selector, priority, appId, null,
                                                                         Optional.empty()));
    }

    @Override
    public void requestPackets(TrafficSelector selector, PacketPriority priority, ApplicationId appId,
                               Optional<DeviceId> device) {
        requests.add(new org.onosproject.net.packet.DefaultPacketRequest(selector, priority, appId, null, device));
    }

    @Override
    public void cancelPackets(TrafficSelector selector, PacketPriority priority, ApplicationId appId) {
        requests.removeIf(r -> r.selector().equals(selector) && r.appId().equals(appId));
    }

    @Override
    public void cancelPackets(TrafficSelector selector, PacketPriority priority, ApplicationId appId,
                              Optional<DeviceId> device) {
        cancelPackets(selector, priority, appId);
    }

    @Override
    public List<PacketRequest> getRequests() {
        return List.copyOf(requests);
    }

    @Override
    public void emit(OutboundPacket packet) {
        try {
            for (PiPacketOperation op : interpreter.mapOutboundPacket(packet)) {
                control.packetOut(op);
            }
        } catch (PiPipelineInterpreter.PiInterpreterException e) {
            throw new IllegalArgumentException("interpreter cannot map the packet-out: " + e.getMessage(), e);
        }
    }

    private final class Context extends DefaultPacketContext {
        Context(InboundPacket in) {
            super(System.currentTimeMillis(), in, null, false);
        }

        // Packet-ins of this pipeline are copies of forwarded segments or punts: nothing is sent back.
        @Override
        public void send() {
            if (outPacket() != null) {
                emit(outPacket());
            }
        }
    }

    private static final class Entry implements PacketProcessorEntry {
        final PacketProcessor processor;
        final int priority;
        final AtomicLong invocations = new AtomicLong();
        final AtomicLong nanos = new AtomicLong();

        Entry(PacketProcessor processor, int priority) {
            this.processor = processor;
            this.priority = priority;
        }

        @Override
        public PacketProcessor processor() {
            return processor;
        }

        @Override
        public int priority() {
            return priority;
        }

        @Override
        public long invocations() {
            return invocations.get();
        }

        @Override
        public long totalNanos() {
            return nanos.get();
        }

        @Override
        public long averageNanos() {
            long n = invocations.get();
            return n == 0 ? 0 : nanos.get() / n;
        }
    }
}
