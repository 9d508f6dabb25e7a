package org.tcpbypass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.Test;
import org.onlab.packet.MacAddress;
import org.onosproject.codec.JsonCodec;
import org.onosproject.net.PortNumber;
import org.tcpbypass.api.Attachment;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.LegState;
import org.tcpbypass.api.OffloadException;
import org.tcpbypass.api.OffloadRequest;

import static org.easymock.EasyMock.expect;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;
import static org.tcpbypass.cli.TestBypasses.CLIENT_LEG;
import static org.tcpbypass.cli.TestBypasses.PROXY;
import static org.tcpbypass.cli.TestBypasses.S1;
import static org.tcpbypass.cli.TestBypasses.SERVER_LEG;
import static org.tcpbypass.cli.TestBypasses.T0;
import static org.tcpbypass.cli.TestBypasses.TRANSLATION;
import static org.tcpbypass.cli.TestBypasses.TUPLE;

/**
 * Tests bypass-offload: the request it builds, its output, and every kind of bad input.
 */
public class BypassOffloadCommandTest extends CommandTest {

    private static final String CLIENT_LEG_TEXT = "sndNxt=1000,rcvNxt=2000,localWindowShift=7,peerWindowShift=7,"
            + "mss=1460,sackPermitted=true,timestamps=true,tsVal=500,peerTsVal=900";
    private static final String SERVER_LEG_TEXT = "sndNxt=3000,rcvNxt=4000,localWindowShift=7,peerWindowShift=7,"
            + "mss=1460,sackPermitted=true,timestamps=true,tsVal=700,peerTsVal=100";
    private static final String LEGS = "-c " + CLIENT_LEG_TEXT + " -s " + SERVER_LEG_TEXT;
    private static final String ENDPOINTS = "device:bmv2:s1 proxy1 198.18.0.1:40000 198.18.0.100:80 198.18.0.2:51000"
            + " 198.18.0.3:8080";

    private static final OffloadRequest REQUEST = OffloadRequest.builder()
            .proxy(PROXY).deviceId(S1).tuple(TUPLE).clientLeg(CLIENT_LEG).serverLeg(SERVER_LEG).build();
    private static final Bypass ACCEPTED = Bypass.offloading(BypassId.of(17), PROXY, S1, TUPLE, TRANSLATION, T0);

    private BypassOffloadCommand command(String arguments) throws Exception {
        return parse(new BypassOffloadCommand() {
            @Override
            public <T> T getService(Class<T> type) {
                return service(type);
            }

            @Override
            public <T> JsonCodec<T> codec(Class<T> type) {
                return codecFor(type);
            }
        }, arguments);
    }

    /** Returns the command line with one word replaced. */
    private static String with(String from, String to) {
        String line = LEGS + " " + ENDPOINTS;
        assertTrue(from, line.contains(from));
        return line.replace(from, to);
    }

    /** Runs a command that must be refused before the service is asked, and returns its error output. */
    private String refused(String arguments) throws Exception {
        BypassOffloadCommand command = command(arguments);
        replayService();
        command.doExecute();
        assertEquals("", shell.out());
        return shell.err();
    }

    @Test
    public void requestsTheOffloadAndPrintsIdAndState() throws Exception {
        expect(bypassService.offload(REQUEST)).andReturn(ACCEPTED);
        replayService();
        command(LEGS + " " + ENDPOINTS).doExecute();
        assertEquals("Offload accepted: id=17, state=OFFLOADING\n", shell.out());
        assertEquals("", shell.err());
    }

    @Test
    public void passesAttachmentsWhenGiven() throws Exception {
        OffloadRequest withAttachments = OffloadRequest.builder()
                .proxy(PROXY).deviceId(S1).tuple(TUPLE).clientLeg(CLIENT_LEG).serverLeg(SERVER_LEG)
                .clientAttachment(Attachment.of(PortNumber.portNumber(1), MacAddress.valueOf("00:00:00:00:00:01")))
                .serverAttachment(Attachment.of(PortNumber.portNumber(3), MacAddress.valueOf("00:00:00:00:00:03")))
                .build();
        expect(bypassService.offload(withAttachments)).andReturn(ACCEPTED);
        replayService();
        command("--client-attachment 1/00:00:00:00:00:01 --server-attachment 3/00:00:00:00:00:03 " + LEGS + " "
                        + ENDPOINTS).doExecute();
        assertEquals("Offload accepted: id=17, state=OFFLOADING\n", shell.out());
    }

    @Test
    public void legWithoutTimestampsNeedsNoTimestampValues() throws Exception {
        OffloadRequest plain = OffloadRequest.builder().proxy(PROXY).deviceId(S1).tuple(TUPLE)
                .clientLeg(LegState.builder().sndNxt(0).rcvNxt(4_294_967_295L).mss(536).build())
                .serverLeg(LegState.builder().sndNxt(1).rcvNxt(2).mss(1460).build())
                .build();
        expect(bypassService.offload(plain)).andReturn(ACCEPTED);
        replayService();
        command("-c sndNxt=0,rcvNxt=4294967295,localWindowShift=0,peerWindowShift=0,mss=536,sackPermitted=false,"
                        + "timestamps=false -s sndNxt=1,rcvNxt=2,localWindowShift=0,peerWindowShift=0,mss=1460,"
                        + "sackPermitted=false,timestamps=false,tsVal=0 " + ENDPOINTS).doExecute();
        assertEquals("Offload accepted: id=17, state=OFFLOADING\n", shell.out());
    }

    @Test
    public void jsonIsTheAcceptedRecord() throws Exception {
        expect(bypassService.offload(REQUEST)).andReturn(ACCEPTED);
        replayService();
        command("-j " + LEGS + " " + ENDPOINTS).doExecute();
        JsonNode json = json();
        assertEquals("17", json.get("id").asText());
        assertEquals("OFFLOADING", json.get("state").asText());
        assertEquals("198.18.0.2", json.get("proxyAddress").get("ip").asText());
        assertEquals(1000, json.get("translation").get("seqDeltaToServer").asLong());
    }

    @Test
    public void refusalByTheServiceIsOneLineWithItsReason() throws Exception {
        expect(bypassService.offload(REQUEST)).andThrow(new OffloadException(
                OffloadException.Reason.FORBIDDEN, "198.18.0.100 is not a VIP of proxy1"));
        replayService();
        command(LEGS + " " + ENDPOINTS).doExecute();
        assertEquals("", shell.out());
        assertEquals("Offload refused (FORBIDDEN): 198.18.0.100 is not a VIP of proxy1\n", shell.err());
    }

    @Test
    public void conflictIsOneLine() throws Exception {
        expect(bypassService.offload(REQUEST)).andThrow(new OffloadException(
                OffloadException.Reason.CONFLICT, "connection already bypassed as 17"));
        replayService();
        command(LEGS + " " + ENDPOINTS).doExecute();
        assertEquals("Offload refused (CONFLICT): connection already bypassed as 17\n", shell.err());
    }

    @Test
    public void invalidArgumentFromTheServiceIsOneLine() throws Exception {
        expect(bypassService.offload(REQUEST)).andThrow(new IllegalArgumentException(
                "timestamps: negotiated on one leg only"));
        replayService();
        command(LEGS + " " + ENDPOINTS).doExecute();
        assertEquals("Invalid offload: timestamps: negotiated on one leg only\n", shell.err());
    }

    @Test
    public void endpointWithoutPortIsRefused() throws Exception {
        String line = with("198.18.0.1:40000", "198.18.0.1");
        assertEquals("Invalid offload: client: '198.18.0.1' is not IPv4:port\n", refused(line));
    }

    @Test
    public void endpointPortOutOfRangeIsRefused() throws Exception {
        String line = with("198.18.0.3:8080", "198.18.0.3:65536");
        assertEquals("Invalid offload: server: port 65536 is not in 1..65535\n", refused(line));
    }

    @Test
    public void sameConnectionOnBothLegsIsRefused() throws Exception {
        String line = with("198.18.0.2:51000 198.18.0.3:8080", "198.18.0.1:40000 198.18.0.100:80");
        assertEquals("Invalid offload: client leg and server leg are the same connection\n", refused(line));
    }

    @Test
    public void missingLegFieldIsRefused() throws Exception {
        String line = with("sndNxt=1000,rcvNxt=2000,", "sndNxt=1000,");
        assertEquals("Invalid offload: clientLeg.rcvNxt: is required\n", refused(line));
    }

    @Test
    public void timestampValuesAreRequiredWithTimestamps() throws Exception {
        String line = with(",tsVal=700,peerTsVal=100", ",peerTsVal=100");
        assertEquals("Invalid offload: serverLeg.tsVal: is required\n", refused(line));
    }

    @Test
    public void sequenceNumberAbove32BitsIsRefused() throws Exception {
        String line = with("sndNxt=3000", "sndNxt=4294967296");
        assertEquals("Invalid offload: serverLeg.sndNxt: 4294967296 is not in 0..4294967295\n", refused(line));
    }

    @Test
    public void windowShiftAbove14IsRefused() throws Exception {
        String line = with("rcvNxt=4000,localWindowShift=7", "rcvNxt=4000,localWindowShift=15");
        assertEquals("Invalid offload: serverLeg.localWindowShift: 15 is not in 0..14\n", refused(line));
    }

    @Test
    public void timestampValuesWithoutTimestampsAreRefused() throws Exception {
        String line = with("timestamps=true,tsVal=500,peerTsVal=900", "timestamps=false,tsVal=5");
        assertEquals("Invalid offload: clientLeg.tsVal: timestamps were not negotiated, tsVal and peerTsVal"
                             + " must be 0\n", refused(line));
    }

    @Test
    public void unknownLegFieldIsRefused() throws Exception {
        String line = with(CLIENT_LEG_TEXT, CLIENT_LEG_TEXT + ",sack=true");
        assertEquals("Invalid offload: clientLeg.sack: unknown field\n", refused(line));
    }

    @Test
    public void legFieldGivenTwiceIsRefused() throws Exception {
        String line = with(CLIENT_LEG_TEXT, CLIENT_LEG_TEXT + ",mss=1400");
        assertEquals("Invalid offload: clientLeg.mss: given twice\n", refused(line));
    }

    @Test
    public void nonNumericLegValueIsRefused() throws Exception {
        String line = with("sndNxt=1000", "sndNxt=1k");
        assertEquals("Invalid offload: clientLeg.sndNxt: '1k' is not an integer\n", refused(line));
    }

    @Test
    public void nonBooleanFlagIsRefused() throws Exception {
        String line = with("timestamps=true,tsVal=500", "timestamps=yes,tsVal=500");
        assertEquals("Invalid offload: clientLeg.timestamps: 'yes' is not true or false\n", refused(line));
    }

    @Test
    public void legTextWithoutKeyValuePairsIsRefused() throws Exception {
        String line = with(SERVER_LEG_TEXT, "1000,2000");
        assertEquals("Invalid offload: serverLeg: '1000' is not name=value\n", refused(line));
    }

    @Test
    public void attachmentWithoutMacIsRefused() throws Exception {
        String line = "--client-attachment 1 " + LEGS + " " + ENDPOINTS;
        assertEquals("Invalid offload: clientAttachment: '1' is not port/mac\n", refused(line));
    }

    @Test
    public void attachmentWithBadMacIsRefused() throws Exception {
        String line = "--server-attachment 3/00:00:00:00:00 " + LEGS + " " + ENDPOINTS;
        assertEquals("Invalid offload: serverAttachment: Specified MAC Address must contain 12 hex digits"
                             + " separated pairwise by :'s.\n", refused(line));
    }
}
