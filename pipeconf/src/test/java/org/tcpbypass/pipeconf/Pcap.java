package org.tcpbypass.pipeconf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Minimal classic pcap (Ethernet link type) files, as BMv2's --use-files mode reads and writes them. */
final class Pcap {

    private static final int MAGIC_MICROS = 0xa1b2c3d4;
    private static final int MAGIC_NANOS = 0xa1b23c4d;
    private static final int GLOBAL_HEADER = 24;
    private static final int RECORD_HEADER = 16;

    private Pcap() {
    }

    /** Writes each frame with its own time stamp. */
    static void write(Path path, List<byte[]> frames, long[] times) throws IOException {
        int size = GLOBAL_HEADER + frames.stream().mapToInt(f -> RECORD_HEADER + f.length).sum();
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC_MICROS).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0)
                .putInt(65535).putInt(1);
        for (int i = 0; i < frames.size(); i++) {
            byte[] frame = frames.get(i);
            out.putInt((int) (times[i] / 1000)).putInt((int) (times[i] % 1000) * 1000)
                    .putInt(frame.length).putInt(frame.length).put(frame);
        }
        Files.write(path, out.array());
    }

    /** Reads the frames of a pcap file; a missing file or a partly written last record reads as fewer frames. */
    static List<byte[]> read(Path path) throws IOException {
        List<byte[]> frames = new ArrayList<>();
        if (!Files.exists(path)) {
            return frames;
        }
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < GLOBAL_HEADER) {
            return frames;
        }
        int magic = in.getInt(0);
        if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
            in.order(ByteOrder.BIG_ENDIAN);
            magic = in.getInt(0);
        }
        if (magic != MAGIC_MICROS && magic != MAGIC_NANOS) {
            throw new IOException(path + " is not a pcap file");
        }
        in.position(GLOBAL_HEADER);
        while (in.remaining() >= RECORD_HEADER) {
            in.getInt();
            in.getInt();
            int captured = in.getInt();
            in.getInt();
            if (in.remaining() < captured) {
                break;
            }
            byte[] frame = new byte[captured];
            in.get(frame);
            frames.add(frame);
        }
        return frames;
    }
}
