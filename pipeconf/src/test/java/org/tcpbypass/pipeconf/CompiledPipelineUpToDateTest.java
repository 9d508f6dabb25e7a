package org.tcpbypass.pipeconf;

import org.junit.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.Assert.assertEquals;

/**
 * The committed BMv2 JSON and P4Info were compiled from the p4src of this commit: the SHA-256 list the
 * Makefile recorded at compile time equals the one of the sources now.
 */
public class CompiledPipelineUpToDateTest {

    static final Path P4SRC = Path.of("..", "p4src");
    static final Path COMPILED = Path.of("src", "main", "resources", "p4c-out", "bmv2");

    @Test
    public void recordedSourceDigestsMatchTheSources() throws Exception {
        String recorded = Files.readString(COMPILED.resolve("tcp_bypass_p4src.sha256"), StandardCharsets.UTF_8);
        assertEquals("p4src changed since the committed output was compiled: run make -C p4src",
                sourceDigests(), recorded);
    }

    /** The Makefile's SOURCES (Makefile and every .p4 file, sorted) in sha256sum's format. */
    static String sourceDigests() throws IOException, NoSuchAlgorithmException {
        List<String> sources;
        try (Stream<Path> files = Files.walk(P4SRC)) {
            sources = files.filter(Files::isRegularFile)
                    .map(p -> P4SRC.relativize(p).toString())
                    .filter(p -> p.equals("Makefile") || p.endsWith(".p4"))
                    .filter(p -> !p.startsWith("build/"))
                    .sorted()
                    .collect(Collectors.toList());
        }
        StringBuilder digests = new StringBuilder();
        for (String source : sources) {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(P4SRC.resolve(source)));
            for (byte b : digest) {
                digests.append(String.format("%02x", b));
            }
            digests.append("  ").append(source).append('\n');
        }
        return digests.toString();
    }
}
