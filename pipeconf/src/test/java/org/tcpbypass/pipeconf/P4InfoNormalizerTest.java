package org.tcpbypass.pipeconf;

import com.google.protobuf.TextFormat;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.onosproject.net.pi.model.PiPipelineModel;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.p4runtime.model.P4InfoParser;
import org.onosproject.p4runtime.model.P4InfoParserException;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;

/**
 * A P4Info with fields newer than P4Runtime 1.2.0 is rejected by ONOS 2.7 until normalized, and parses after.
 */
public class P4InfoNormalizerTest {

    // As a current p4c prints it: initial_default_action and has_initial_entries are newer than P4Runtime 1.2.0.
    private static final String NEWER_P4INFO = String.join("\n",
            "pkg_info { arch: \"v1model\" }",
            "tables {",
            "  preamble { id: 33554433 name: \"ingress.t\" alias: \"t\" }",
            "  match_fields { id: 1 name: \"hdr.ethernet.ether_type\" bitwidth: 16 match_type: EXACT }",
            "  action_refs { id: 16777217 }",
            "  initial_default_action { action_id: 16777217 }",
            "  size: 1024",
            "  has_initial_entries: true",
            "}",
            "actions { preamble { id: 16777217 name: \"ingress.a\" alias: \"a\" } }",
            "");

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    @Test
    public void onos27RejectsTheNewerFieldsAndAcceptsTheNormalizedText() throws Exception {
        Path raw = write("raw.txt", NEWER_P4INFO);
        try {
            P4InfoParser.parse(raw.toUri().toURL());
            throw new AssertionError("ONOS 2.7 parsed a P4Info with unknown fields; the normalizer is moot");
        } catch (P4InfoParserException expected) {
            assertThat(causes(expected), containsString("initial_default_action"));
        }

        Path normalized = folder.getRoot().toPath().resolve("normalized.txt");
        P4InfoNormalizer.main(new String[] {raw.toString(), normalized.toString()});

        String text = Files.readString(normalized);
        assertThat(text, not(containsString("initial_default_action")));
        assertThat(text, not(containsString("has_initial_entries")));
        PiPipelineModel model = P4InfoParser.parse(normalized.toUri().toURL());
        assertTrue(model.table(PiTableId.of("ingress.t")).isPresent());
        assertThat(model.table(PiTableId.of("ingress.t")).get().maxSize(), is(1024L));
    }

    @Test
    public void normalizingIsIdempotent() throws Exception {
        String once = P4InfoNormalizer.normalize(NEWER_P4INFO);
        assertThat(P4InfoNormalizer.normalize(once), is(once));
    }

    @Test(expected = TextFormat.ParseException.class)
    public void textThatIsNoP4InfoIsRefused() throws Exception {
        P4InfoNormalizer.normalize("tables { preamble { id: \"not a number\" } }");
    }

    private static String causes(Throwable throwable) {
        StringBuilder messages = new StringBuilder();
        for (Throwable t = throwable; t != null; t = t.getCause()) {
            messages.append(t.getMessage()).append('\n');
        }
        return messages.toString();
    }

    private Path write(String name, String text) throws Exception {
        Path path = folder.getRoot().toPath().resolve(name);
        Files.writeString(path, text, StandardCharsets.UTF_8);
        return path;
    }
}
