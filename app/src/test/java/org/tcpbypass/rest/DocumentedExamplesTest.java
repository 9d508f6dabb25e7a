package org.tcpbypass.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.Lists;
import org.junit.Before;
import org.junit.Test;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassStatistics;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.ConnectionReport;
import org.tcpbypass.api.OffloadRequest;
import org.tcpbypass.codec.TestCodecContext;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.Assert.assertEquals;
import static org.junit.Assume.assumeTrue;
import static org.tcpbypass.codec.BypassFixtures.bypassed;
import static org.tcpbypass.codec.BypassFixtures.clientLeg;
import static org.tcpbypass.codec.BypassFixtures.request;
import static org.tcpbypass.codec.BypassFixtures.serverLeg;
import static org.tcpbypass.codec.BypassFixtures.statistics;

/**
 * Keeps the JSON examples of docs/offload-protocol.md, which the proxy is written against, equal to what the
 * codecs read and write. {@code {...}} in an example stands for an elided object.
 */
public class DocumentedExamplesTest {

    private static final Pattern JSON_BLOCK = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL);

    private final TestCodecContext codecs = new TestCodecContext();
    private List<ObjectNode> examples;

    @Before
    public void readExamples() throws IOException {
        Path doc = Paths.get(System.getProperty("basedir", "."), "..", "docs", "offload-protocol.md");
        assumeTrue("docs/offload-protocol.md is not beside this module (" + doc + "); skipped", Files.exists(doc));
        Matcher blocks = JSON_BLOCK.matcher(new String(Files.readAllBytes(doc), StandardCharsets.UTF_8));
        examples = Lists.newArrayList();
        while (blocks.find()) {
            examples.add((ObjectNode) codecs.mapper().readTree(blocks.group(1).replace("{...}", "{}")));
        }
        assertEquals("offload request, record, statistics, connection report", 4, examples.size());
    }

    private List<String> fieldNames(JsonNode json) {
        return ImmutableList.copyOf(json.fieldNames());
    }

    @Test
    public void offloadRequestExampleDecodesToTheProtocolExample() {
        assertEquals(request(), codecs.decode(examples.get(0), OffloadRequest.class));
    }

    @Test
    public void recordExampleHasTheCodecsFieldsAndTheRequestsTranslation() {
        ObjectNode record = examples.get(1);
        ObjectNode encoded = codecs.encode(bypassed(17), Bypass.class);
        assertEquals(fieldNames(encoded), fieldNames(record));
        assertEquals(codecs.encode(BypassTranslation.of(clientLeg(), serverLeg()), BypassTranslation.class)
                             .toString(),
                     record.get("translation").toString());
        assertEquals(encoded.get("history").toString(), record.get("history").toString());
    }

    @Test
    public void statisticsExampleIsWhatTheCodecWrites() {
        assertEquals(codecs.encode(statistics(), BypassStatistics.class).toString(), examples.get(2).toString());
    }

    @Test
    public void connectionReportExampleHasTheCodecsFields() {
        ObjectNode report = examples.get(3);
        assertEquals(fieldNames(codecs.encode(ConnectionReport.of("proxy1", ImmutableList.of(), ImmutableList.of()),
                                              ConnectionReport.class)),
                     fieldNames(report));
        assertEquals(ImmutableList.of("client", "vip", "proxyAddress", "server"),
                     fieldNames(report.get("opened").get(0)));
    }
}
