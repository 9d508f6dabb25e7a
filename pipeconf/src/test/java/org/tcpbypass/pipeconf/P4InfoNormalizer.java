package org.tcpbypass.pipeconf;

import com.google.protobuf.TextFormat;
import p4.config.v1.P4InfoOuterClass.P4Info;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Re-prints a P4Info text file against ONOS 2.7's P4Info schema (P4Runtime 1.2.0), dropping the fields a
 * newer p4c emits that ONOS 2.7's parser rejects (e.g. {@code Table.initial_default_action}).
 * <p>
 * Run by p4src/Makefile as a single-file program:
 * {@code java -cp <onos-protocols-p4runtime-proto>:<onos protobuf> P4InfoNormalizer.java IN OUT}.
 */
public final class P4InfoNormalizer {

    private P4InfoNormalizer() {
    }

    /**
     * Returns the P4Info text with every field unknown to ONOS 2.7's schema removed.
     *
     * @param p4InfoText P4Info in protobuf text format
     * @return the same P4Info as ONOS 2.7 prints it
     * @throws TextFormat.ParseException if the text is not a P4Info
     */
    public static String normalize(String p4InfoText) throws TextFormat.ParseException {
        P4Info.Builder p4Info = P4Info.newBuilder();
        TextFormat.Parser.newBuilder().setAllowUnknownFields(true).build().merge(p4InfoText, p4Info);
        return TextFormat.printer().printToString(p4Info.build());
    }

    /**
     * Normalizes the P4Info file {@code args[0]} into {@code args[1]}.
     *
     * @param args input and output path
     * @throws IOException if a file cannot be read or written, or the input is not a P4Info
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: P4InfoNormalizer P4INFO_IN P4INFO_OUT");
            System.exit(2);
        }
        String text = Files.readString(Path.of(args[0]), StandardCharsets.UTF_8);
        Files.writeString(Path.of(args[1]), normalize(text), StandardCharsets.UTF_8);
    }
}
