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

    private BypassReleaseCommand command(String id, boolean all, String device) {
        BypassReleaseCommand command = new BypassReleaseCommand() {
            @Override
            public <T> T getService(Class<T> type) {
                return service(type);
            }
        };
        command.id = id;
        command.all = all;
        command.device = device;
        return command;
    }

    private static Bypass released(Bypass b) {
        return b.withState(BypassState.RELEASED, REASON, T0 + 1000);
    }

    @Test
    public void releasesOneLiveRecord() {
        expect(bypassService.bypass(ID_17)).andReturn(Optional.of(bypassed(T0)));
        expect(bypassService.release(ID_17, REASON)).andReturn(released(bypassed(T0)));
        replayService();
        command("17", false, null).doExecute();
        assertEquals("Released bypass 17: state=RELEASED\n", shell.out());
        assertEquals("", shell.err());
    }

    @Test
    public void unknownIdIsOneErrorLineAndReleasesNothing() {
        expect(bypassService.bypass(BypassId.of(99))).andReturn(Optional.empty());
        replayService();
        command("99", false, null).doExecute();
        assertEquals("", shell.out());
        assertEquals("No bypass with id 99\n", shell.err());
    }

    @Test
    public void endedRecordIsOneErrorLineAndReleasesNothing() {
        expect(bypassService.bypass(BypassId.of(5))).andReturn(Optional.of(failed(T0)));
        replayService();
        command("5", false, null).doExecute();
        assertEquals("", shell.out());
        assertEquals("Bypass 5 is already FAILED\n", shell.err());
    }

    @Test
    public void idThatIsNotANumberIsOneErrorLine() {
        replayService();
        command("seventeen", false, null).doExecute();
        assertEquals("bypass id 'seventeen' is not a number\n", shell.err());
    }

    @Test
    public void neitherIdNorAllIsOneErrorLine() {
        replayService();
        command(null, false, null).doExecute();
        assertEquals("Give either a bypass id or --all\n", shell.err());
    }

    @Test
    public void bothIdAndAllIsOneErrorLine() {
        replayService();
        command("17", true, null).doExecute();
        assertEquals("", shell.out());
        assertEquals("Give either a bypass id or --all\n", shell.err());
    }

    @Test
    public void deviceWithoutAllIsOneErrorLine() {
        replayService();
        command("17", false, "device:bmv2:s1").doExecute();
        assertEquals("", shell.out());
        assertEquals("--device applies only with --all\n", shell.err());
    }

    @Test
    public void allReleasesEveryLiveRecordAndSkipsEndedOnes() {
        expect(bypassService.bypasses()).andReturn(ImmutableList.of(proxied(T0), bypassed(T0), failed(T0)));
        expect(bypassService.release(ID_17, REASON)).andReturn(released(bypassed(T0)));
        expect(bypassService.release(ID_18, REASON)).andReturn(released(proxied(T0)));
        replayService();
        command(null, true, null).doExecute();
        assertEquals("Released 2 bypasses\n", shell.out());
        assertEquals("", shell.err());
    }

    @Test
    public void allOnOneDeviceReleasesOnlyThatSwitchsRecords() {
        expect(bypassService.bypasses()).andReturn(ImmutableList.of(proxied(T0), bypassed(T0), failed(T0)));
        replayService();
        command(null, true, "device:bmv2:s2").doExecute();
        assertEquals("Released 0 bypasses\n", shell.out());
    }

    @Test
    public void allCountsARecordThatEndedMeanwhileAsNotReleased() {
        expect(bypassService.bypasses()).andReturn(ImmutableList.of(proxied(T0), bypassed(T0)));
        expect(bypassService.release(ID_17, REASON)).andThrow(
                new OffloadException(OffloadException.Reason.NOT_FOUND, "no bypass 17"));
        expect(bypassService.release(ID_18, REASON)).andReturn(released(proxied(T0)));
        replayService();
        command(null, true, "device:bmv2:s1").doExecute();
        assertEquals("Bypass 17: no bypass 17\nReleased 1 bypass\n", shell.out());
    }
}
