package org.tcpbypass.pipeconf;

import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.Assert.assertEquals;

/**
 * Recompiling p4src with the p4c on PATH gives exactly the committed BMv2 JSON, P4Info and source digests.
 * Skipped when p4c-bm2-ss is not on PATH.
 */
public class Bmv2CompileTest {

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void sourcesCompileToTheCommittedOutput() throws Exception {
        Bmv2Tools.assumeOnPath("p4c-bm2-ss", "make");
        Path out = folder.newFolder("out").toPath();
        Path build = folder.newFolder("build").toPath();
        Bmv2Tools.run(List.of("make", "-C", CompiledPipelineUpToDateTest.P4SRC.toString(),
                              "OUT_DIR=" + out.toAbsolutePath(), "BUILD=" + build.toAbsolutePath()),
                      Path.of("."), "", Duration.ofMinutes(5));
        for (String file : List.of("tcp_bypass.json", "tcp_bypass_p4info.txt", "tcp_bypass_p4src.sha256")) {
            assertEquals(file + " differs from a fresh compile: run make -C p4src and commit the output",
                         Files.readString(CompiledPipelineUpToDateTest.COMPILED.resolve(file)),
                         Files.readString(out.resolve(file)));
        }
    }
}
