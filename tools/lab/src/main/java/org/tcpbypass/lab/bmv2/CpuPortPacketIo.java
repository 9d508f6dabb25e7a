package org.tcpbypass.lab.bmv2;

import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.model.PiPacketMetadataModel;
import org.onosproject.net.pi.model.PiPacketOperationType;
import org.onosproject.net.pi.model.PiPipelineModel;
import org.onosproject.net.pi.runtime.PiPacketMetadata;
import org.onosproject.net.pi.runtime.PiPacketOperation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tcpbypass.lab.net.FramePort;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Packet I/O on the switch's CPU port where no P4Runtime server does it: frames read from the CPU veth have
 * the controller header split into PI metadata per the P4Info (what BMv2's P4Runtime server does for a
 * packet-in), and packet-outs are written with that header in front.
 */
final class CpuPortPacketIo implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(CpuPortPacketIo.class);

    private final List<PiPacketMetadataModel> packetIn;
    private final List<PiPacketMetadataModel> packetOut;
    private final FramePort cpu;
    private final Thread reader;
    private volatile Consumer<PiPacketOperation> handler = op -> { };
    private volatile boolean running = true;

    /**
     * Starts reading the CPU port.
     *
     * @param model the pipeline model (controller header layout)
     * @param cpu   the controller's end of the CPU veth
     */
    CpuPortPacketIo(PiPipelineModel model, FramePort cpu) {
        this.packetIn = model.packetOperationModel(PiPacketOperationType.PACKET_IN)
                .map(m -> m.metadatas()).orElse(List.of());
        this.packetOut = model.packetOperationModel(PiPacketOperationType.PACKET_OUT)
                .map(m -> m.metadatas()).orElse(List.of());
        this.cpu = cpu;
        this.reader = new Thread(this::readLoop, "lab-cpu-port");
        reader.setDaemon(true);
        reader.start();
    }

    void onPacketIn(Consumer<PiPacketOperation> handler) {
        this.handler = handler;
    }

    private void readLoop() {
        while (running) {
            byte[] frame = cpu.receive();
            if (frame == null) {
                continue;
            }
            try {
                packetIn(frame).ifPresent(op -> handler.accept(op));
            } catch (RuntimeException | ImmutableByteSequence.ByteSequenceTrimException e) {
                log.warn("packet-in dropped: {}", e.toString());
            }
        }
    }

    private java.util.Optional<PiPacketOperation> packetIn(byte[] frame)
            throws ImmutableByteSequence.ByteSequenceTrimException {
        int headerBytes = bytes(packetIn);
        if (frame.length < headerBytes) {
            return java.util.Optional.empty();
        }
        BigInteger header = new BigInteger(1, Arrays.copyOf(frame, headerBytes));
        int shift = headerBytes * 8;
        List<PiPacketMetadata> metadata = new ArrayList<>();
        for (PiPacketMetadataModel m : packetIn) {
            shift -= m.bitWidth();
            BigInteger v = header.shiftRight(shift).and(BigInteger.ONE.shiftLeft(m.bitWidth()).subtract(BigInteger.ONE));
            metadata.add(PiPacketMetadata.builder().withId(m.id())
                                 .withValue(ImmutableByteSequence.copyFrom(v.longValue()).fit(m.bitWidth()))
                                 .build());
        }
        return java.util.Optional.of(PiPacketOperation.builder().withType(PiPacketOperationType.PACKET_IN)
                .withData(ImmutableByteSequence.copyFrom(Arrays.copyOfRange(frame, headerBytes, frame.length)))
                .withMetadatas(metadata).build());
    }

    void packetOut(PiPacketOperation op) {
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
        byte[] out = Arrays.copyOf(h, headerBytes + data.length);
        System.arraycopy(data, 0, out, headerBytes, data.length);
        try {
            cpu.send(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int bytes(List<PiPacketMetadataModel> metas) {
        return (metas.stream().mapToInt(PiPacketMetadataModel::bitWidth).sum() + 7) / 8;
    }

    /** Stops reading and closes the CPU port. */
    @Override
    public void close() {
        running = false;
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        cpu.close();
    }
}
