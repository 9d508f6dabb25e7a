package org.tcpbypass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.collect.ImmutableList;
import org.apache.karaf.shell.support.CommandException;
import org.junit.Test;
import org.onosproject.codec.JsonCodec;
import org.onosproject.net.flow.FlowEntry;
import org.tcpbypass.api.BypassDirection;
import org.tcpbypass.api.BypassId;

import java.util.Optional;

import static org.easymock.EasyMock.expect;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;
import static org.tcpbypass.cli.TestBypasses.T0;
import static org.tcpbypass.cli.TestBypasses.bypassed;
import static org.tcpbypass.cli.TestBypasses.failed;
import static org.tcpbypass.cli.TestBypasses.flow;
import static org.tcpbypass.cli.TestBypasses.guard;
import static org.tcpbypass.cli.TestBypasses.proxied;

/**
 * Tests bypass-show.
 */
public class BypassShowCommandTest extends CommandTest {

    private static final BypassId ID_17 = BypassId.of(17);
    private static final FlowEntry TO_SERVER = flow(BypassDirection.TO_SERVER, 10, 14_600);
    private static final FlowEntry TO_CLIENT = flow(BypassDirection.TO_CLIENT, 8, 520);
    private static final FlowEntry GUARD_TO_SERVER = guard(BypassDirection.TO_SERVER);
    private static final FlowEntry GUARD_TO_CLIENT = guard(BypassDirection.TO_CLIENT);

    private BypassShowCommand command(String arguments) throws Exception {
        return parse(new BypassShowCommand() {
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

    @Test
    public void showsLegsDeltasFlowRulesCountersAndHistory() throws Exception {
        expect(bypassService.bypass(ID_17)).andReturn(Optional.of(bypassed(T0)));
        expect(bypassService.flowEntries(ID_17))
                .andReturn(ImmutableList.of(TO_SERVER, TO_CLIENT, GUARD_TO_SERVER, GUARD_TO_CLIENT));
        replayService();
        command("17").doExecute();
        assertEquals("id=17, proxy=proxy1, device=device:bmv2:s1, state=BYPASSED\n"
                             + "  client leg: 198.18.0.1:40000->198.18.0.100:80\n"
                             + "  server leg: 198.18.0.2:51000->198.18.0.3:8080\n"
                             + "  seq delta: toServer=1000, toClient=4294964296\n"
                             + "  ack delta: toServer=4294964296, toClient=1000\n"
                             + "  timestamp offset: toServer=4294967096, toClient=400\n"
                             + "  window shift: toServer 7>>7, toClient 7>>7\n"
                             + "  counters: toServer 10 packets / 14600 bytes, toClient 8 packets / 520 bytes\n"
                             + "  flow rules: 4\n"
                             + "    id=" + Long.toHexString(TO_SERVER.id().value()) + ", state=ADDED, table=ingress.bypass.bypass_table, packets=10,"
                             + " bytes=14600, selector=" + TO_SERVER.selector().criteria()
                             + ", treatment=" + TO_SERVER.treatment().allInstructions() + "\n"
                             + "    id=" + Long.toHexString(TO_CLIENT.id().value()) + ", state=ADDED, table=ingress.bypass.bypass_table, packets=8,"
                             + " bytes=520, selector=" + TO_CLIENT.selector().criteria()
                             + ", treatment=" + TO_CLIENT.treatment().allInstructions() + "\n"
                             + "    id=" + Long.toHexString(GUARD_TO_SERVER.id().value()) + ", state=ADDED, table=ingress.bypass.bypass_guard, packets=0,"
                             + " bytes=0, selector=" + GUARD_TO_SERVER.selector().criteria()
                             + ", treatment=" + GUARD_TO_SERVER.treatment().allInstructions() + "\n"
                             + "    id=" + Long.toHexString(GUARD_TO_CLIENT.id().value()) + ", state=ADDED, table=ingress.bypass.bypass_guard, packets=0,"
                             + " bytes=0, selector=" + GUARD_TO_CLIENT.selector().criteria()
                             + ", treatment=" + GUARD_TO_CLIENT.treatment().allInstructions() + "\n"
                             + "  history:\n"
                             + "    2026-11-30T00:53:20Z OFFLOADING\n"
                             + "    2026-11-30T00:53:20.120Z BYPASSED\n",
                     shell.out());
        assertEquals("", shell.err());
    }

    @Test
    public void showsAProxiedRecordWithoutTranslationOrRules() throws Exception {
        expect(bypassService.bypass(BypassId.of(18))).andReturn(Optional.of(proxied(T0)));
        expect(bypassService.flowEntries(BypassId.of(18))).andReturn(ImmutableList.of());
        replayService();
        command("18").doExecute();
        assertEquals("id=18, proxy=proxy1, device=device:bmv2:s1, state=PROXIED\n"
                             + "  client leg: 198.18.0.4:40001->198.18.0.100:80\n"
                             + "  server leg: 198.18.0.2:51001->198.18.0.3:8080\n"
                             + "  translation: none (not offloaded)\n"
                             + "  counters: toServer 0 packets / 0 bytes, toClient 0 packets / 0 bytes\n"
                             + "  flow rules: 0\n"
                             + "  history:\n"
                             + "    2026-11-30T00:53:20Z PROXIED\n",
                     shell.out());
    }

    @Test
    public void showsTheFailureReason() throws Exception {
        expect(bypassService.bypass(BypassId.of(5))).andReturn(Optional.of(failed(T0)));
        expect(bypassService.flowEntries(BypassId.of(5))).andReturn(ImmutableList.of());
        replayService();
        command("5").doExecute();
        String out = shell.out();
        assertEquals("id=5, proxy=proxy1, device=device:bmv2:s2, state=FAILED, reason=intent failed",
                     out.substring(0, out.indexOf('\n')));
        assertEquals("    2026-11-30T00:53:20.050Z FAILED (intent failed)\n",
                     out.substring(out.lastIndexOf("    2026")));
    }

    @Test
    public void jsonIsTheRecordWithItsFlowEntries() throws Exception {
        expect(bypassService.bypass(ID_17)).andReturn(Optional.of(bypassed(T0)));
        expect(bypassService.flowEntries(ID_17))
                .andReturn(ImmutableList.of(TO_SERVER, TO_CLIENT, GUARD_TO_SERVER, GUARD_TO_CLIENT));
        replayService();
        command("-j 17").doExecute();
        JsonNode json = json();
        assertEquals("17", json.get("id").asText());
        assertEquals("BYPASSED", json.get("state").asText());
        assertEquals(4_294_964_296L, json.get("translation").get("seqDeltaToClient").asLong());
        assertEquals(2000, json.get("translation").get("handOffSeqToServer").asLong());
        assertEquals(4000, json.get("translation").get("handOffSeqToClient").asLong());
        assertEquals(T0, json.get("created").asLong());
        assertEquals(T0 + 120, json.get("updated").asLong());
        JsonNode rules = json.get(BypassShowCommand.FLOW_RULES);
        assertEquals(4, rules.size());
        assertEquals(Long.toString(TO_SERVER.id().value()), rules.get(0).get("id").asText());
        assertEquals("ADDED", rules.get(0).get("state").asText());
        assertEquals("org.tcpbypass", rules.get(0).get("appId").asText());
        assertEquals(14_600, rules.get(0).get("bytes").asLong());
        assertEquals("device:bmv2:s1", rules.get(1).get("deviceId").asText());
        assertEquals(8, rules.get(1).get("packets").asLong());
        assertEquals("", shell.err());
    }

    @Test
    public void unknownIdIsOneErrorLine() throws Exception {
        expect(bypassService.bypass(BypassId.of(99))).andReturn(Optional.empty());
        replayService();
        command("99").doExecute();
        assertEquals("", shell.out());
        assertEquals("No bypass with id 99\n", shell.err());
    }

    @Test
    public void idThatIsNotANumberIsOneErrorLine() throws Exception {
        replayService();
        command("x17").doExecute();
        assertEquals("", shell.out());
        assertEquals("bypass id 'x17' is not a number\n", shell.err());
    }

    @Test
    public void negativeIdIsRefusedByTheShell() throws Exception {
        replayService();
        try {
            command("-3");
            fail("-3 accepted");
        } catch (CommandException e) {
            assertEquals("Undefined option: -3", e.getMessage());
        }
    }
}
