package org.tcpbypass.lab.onos;

import org.tcpbypass.lab.net.FramePort;

import org.onlab.util.ImmutableByteSequence;
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
import org.onosproject.net.pi.model.PiPacketMetadataModel;
import org.onosproject.net.pi.model.PiPacketOperationType;
import org.onosproject.net.pi.model.PiPipelineInterpreter;
import org.onosproject.net.pi.model.PiPipelineModel;
import org.onosproject.net.pi.runtime.PiPacketMetadata;
import org.onosproject.net.pi.runtime.PiPacketOperation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * ONOS's packet subsystem for the lab's switch: frames from the CPU port become P4Runtime-style packet-ins
 * (controller header split into PI metadata per the P4Info), the pipeconf's interpreter maps them to
 * InboundPackets, and processors see them in priority order; emit goes the other way.
 */
public final class LabPacketService implements PacketService {

    private static final Logger log = LoggerFactory.getLogger(LabPacketService.class);

    private final DeviceId deviceId;
    private final PiPipelineInterpreter interpreter;
    private final List<PiPacketMetadataModel> packetIn;
    private final List<PiPacketMetadataModel> packetOut;
    private final FramePort cpu;
    private final List<Entry> processors = new CopyOnWriteArrayList<>();
    private final List<PacketRequest> requests = new CopyOnWriteArrayList<>();
    private final AtomicLong packetIns = new AtomicLong();
    private final Thread reader;
    private volatile boolean running = true;

    /**
     * Starts reading the CPU port.
     *
     * @param deviceId    the switch
     * @param model       its pipeline model (controller header layout)
     * @param interpreter the pipeconf's interpreter
     * @param cpu         the CPU port
     */
    public LabPacketService(DeviceId deviceId, PiPipelineModel model, PiPipelineInterpreter interpreter,
                            FramePort cpu) {
        this.deviceId = deviceId;
        this.interpreter = interpreter;
        this.packetIn = model.packetOperationModel(PiPacketOperationType.PACKET_IN)
                .map(m -> m.metadatas()).orElse(List.of());
        this.packetOut = model.packetOperationModel(PiPacketOperationType.PACKET_OUT)
                .map(m -> m.metadatas()).orElse(List.of());
        this.cpu = cpu;
        this.reader = new Thread(this::readLoop, "lab-packet-in");
        reader.setDaemon(true);
        reader.start();
    }

    private void readLoop() {
        while (running) {
            byte[] frame = cpu.receive();
            if (frame == null) {
                continue;
            }
            try {
                dispatch(frame);
            } catch (RuntimeException | PiPipelineInterpreter.PiInterpreterException
                    | ImmutableByteSequence.ByteSequenceTrimException e) {
                log.warn("packet-in dropped: {}", e.toString());
            }
        }
    }

    private void dispatch(byte[] frame)
            throws PiPipelineInterpreter.PiInterpreterException, ImmutableByteSequence.ByteSequenceTrimException {
        int headerBytes = bytes(packetIn);
        if (frame.length < headerBytes) {
            return;
        }
        BigInteger header = new BigInteger(1, java.util.Arrays.copyOf(frame, headerBytes));
        int shift = headerBytes * 8;
        List<PiPacketMetadata> metadata = new ArrayList<>();
        for (PiPacketMetadataModel m : packetIn) {
            shift -= m.bitWidth();
            BigInteger v = header.shiftRight(shift).and(BigInteger.ONE.shiftLeft(m.bitWidth()).subtract(BigInteger.ONE));
            metadata.add(PiPacketMetadata.builder().withId(m.id())
                                 .withValue(ImmutableByteSequence.copyFrom(v.longValue()).fit(m.bitWidth()))
                                 .build());
        }
        PiPacketOperation op = PiPacketOperation.builder().withType(PiPacketOperationType.PACKET_IN)
                .withData(ImmutableByteSequence.copyFrom(java.util.Arrays.copyOfRange(frame, headerBytes,
                                                                                      frame.length)))
                .withMetadatas(metadata).build();
        InboundPacket in = interpreter.mapInboundPacket(op, deviceId);
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
                cpu.send(frame(op));
            }
        } catch (PiPipelineInterpreter.PiInterpreterException e) {
            throw new IllegalArgumentException("interpreter cannot map the packet-out: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] frame(PiPacketOperation op) {
        int headerBytes = bytes(packetOut);
        BigInteger header = BigInteger.ZERO;
        for (PiPacketMetadataModel m : packetOut) {
            BigInteger v = op.metadatas().stream().filter(md -> md.id().equals(m.id())).findFirst()
                    .map(md -> new BigInteger(1, md.value().asArray())).orElse(BigInteger.ZERO);
            header = header.shiftLeft(m.bitWidth()).or(v);
        }
        int pad = headerBytes * 8 - packetOut.stream().mapToInt(PiPacketMetadataModel::bitWidth).sum();
        header = header.shiftLeft(pad);
        byte[] h = new byte[headerBytes];
        byte[] hv = header.toByteArray();
        int copy = Math.min(hv.length, headerBytes);
        System.arraycopy(hv, hv.length - copy, h, headerBytes - copy, copy);
        byte[] data = op.data().asArray();
        byte[] out = java.util.Arrays.copyOf(h, headerBytes + data.length);
        System.arraycopy(data, 0, out, headerBytes, data.length);
        return out;
    }

    private static int bytes(List<PiPacketMetadataModel> metas) {
        return (metas.stream().mapToInt(PiPacketMetadataModel::bitWidth).sum() + 7) / 8;
    }

    /** Stops reading and closes the CPU port. */
    public void shutdown() {
        running = false;
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cpu.close();
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
