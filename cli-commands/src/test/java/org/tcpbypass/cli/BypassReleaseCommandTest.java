package org.tcpbypass.cli;

import com.google.common.collect.ImmutableList;
import org.junit.Test;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.OffloadException;

import java.util.Optional;

import static org.easymock.EasyMock.expect;
import static org.junit.Assert.assertEquals;
import static org.tcpbypass.cli.BypassReleaseCommand.REASON;
import static org.tcpbypass.cli.TestBypasses.T0;
import static org.tcpbypass.cli.TestBypasses.bypassed;
import static org.tcpbypass.cli.TestBypasses.failed;
import static org.tcpbypass.cli.TestBypasses.proxied;

/**
 * Tests bypass-release: one record, all live records, per switch, and every refusal.
 */
public class BypassReleaseCommandTest extends CommandTest {

    private static final BypassId ID_17 = BypassId.of(17);
    private static final BypassId ID_18 = BypassId.of(18);

    private BypassReleaseCommand command(String arguments) throws Exception {
        return parse(new BypassReleaseCommand() {
            @Override
            public <T> T getService(Class<T> type) {
                return service(type);
            }
        }, arguments);
    }

    private static Bypass released(Bypass b) {
        return b.withState(BypassState.RELEASED, REASON, T0 + 1000);
    }

    @Test
    public void releasesOneLiveRecord() throws Exception {
        expect(bypassService.bypass(ID_17)).andReturn(Optional.of(bypassed(T0)));
        expect(bypassService.release(ID_17, REASON)).andReturn(released(bypassed(T0)));
        replayService();
        command("17").doExecute();
        assertEquals("Released bypass 17: state=RELEASED\n", shell.out());
        assertEquals("", shell.err());
    }

    @Test
    public void unknownIdIsOneErrorLineAndReleasesNothing() throws Exception {
        expect(bypassService.bypass(BypassId.of(99))).andReturn(Optional.empty());
        replayService();
        command("99").doExecute();
        assertEquals("", shell.out());
        assertEquals("No bypass with id 99\n", shell.err());
    }

    @Test
    public void recordPurgedMeanwhileIsOneErrorLine() throws Exception {
        expect(bypassService.bypass(ID_17)).andReturn(Optional.of(bypassed(T0)));
        expect(bypassService.release(ID_17, REASON)).andThrow(
                new OffloadException(OffloadException.Reason.NOT_FOUND, "no bypass 17"));
        replayService();
        command("17").doExecute();
        assertEquals("", shell.out());
        assertEquals("no bypass 17\n", shell.err());
    }

    @Test
    public void endedRecordIsOneErrorLineAndReleasesNothing() throws Exception {
        expect(bypassService.bypass(BypassId.of(5))).andReturn(Optional.of(failed(T0)));
        replayService();
        command("5").doExecute();
        assertEquals("", shell.out());
        assertEquals("Bypass 5 is already FAILED\n", shell.err());
    }

    @Test
    public void idThatIsNotANumberIsOneErrorLine() throws Exception {
        replayService();
        command("seventeen").doExecute();
        assertEquals("bypass id 'seventeen' is not a number\n", shell.err());
    }

    @Test
    public void neitherIdNorAllIsOneErrorLine() throws Exception {
        replayService();
        command("").doExecute();
        assertEquals("Give either a bypass id or --all\n", shell.err());
    }

    @Test
    public void bothIdAndAllIsOneErrorLine() throws Exception {
        replayService();
        command("--all 17").doExecute();
        assertEquals("", shell.out());
        assertEquals("Give either a bypass id or --all\n", shell.err());
    }

    @Test
    public void deviceWithoutAllIsOneErrorLine() throws Exception {
        replayService();
        command("-d device:bmv2:s1 17").doExecute();
        assertEquals("", shell.out());
        assertEquals("--device applies only with --all\n", shell.err());
    }

    @Test
    public void allReleasesEveryLiveRecordAndSkipsEndedOnes() throws Exception {
        expect(bypassService.bypasses()).andReturn(ImmutableList.of(proxied(T0), bypassed(T0), failed(T0)));
        expect(bypassService.release(ID_17, REASON)).andReturn(released(bypassed(T0)));
        expect(bypassService.release(ID_18, REASON)).andReturn(released(proxied(T0)));
        replayService();
        command("--all").doExecute();
        assertEquals("Released 2 bypasses\n", shell.out());
        assertEquals("", shell.err());
    }

    @Test
    public void allOnOneDeviceReleasesOnlyThatSwitchsRecords() throws Exception {
        expect(bypassService.bypasses()).andReturn(ImmutableList.of(proxied(T0), bypassed(T0), failed(T0)));
        replayService();
        command("-a --device device:bmv2:s2").doExecute();
        assertEquals("Released 0 bypasses\n", shell.out());
    }

    @Test
    public void allCountsARecordThatEndedMeanwhileAsNotReleased() throws Exception {
        expect(bypassService.bypasses()).andReturn(ImmutableList.of(proxied(T0), bypassed(T0)));
        expect(bypassService.release(ID_17, REASON)).andThrow(
                new OffloadException(OffloadException.Reason.NOT_FOUND, "no bypass 17"));
        expect(bypassService.release(ID_18, REASON)).andReturn(released(proxied(T0)));
        replayService();
        command("--all -d device:bmv2:s1").doExecute();
        assertEquals("Bypass 17: no bypass 17\nReleased 1 bypass\n", shell.out());
    }
}
