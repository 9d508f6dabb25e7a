package org.tcpbypass.cli;

import org.junit.Test;
import org.tcpbypass.api.BypassState;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;
import static org.tcpbypass.cli.TestBypasses.T0;
import static org.tcpbypass.cli.TestBypasses.proxied;

/**
 * Tests the shared text: ages and state names.
 */
public class BypassTextTest {

    private static String age(long ms) {
        return BypassText.age(proxied(T0), T0 + ms);
    }

    @Test
    public void ageInTheTwoLargestUnits() {
        assertEquals("0s", age(0));
        assertEquals("0s", age(999));
        assertEquals("59s", age(59_999));
        assertEquals("1m00s", age(60_000));
        assertEquals("59m59s", age(3_599_999));
        assertEquals("1h00m", age(3_600_000));
        assertEquals("23h59m", age(86_399_999));
        assertEquals("1d00h", age(86_400_000));
        assertEquals("3d05h", age(3 * 86_400_000L + 5 * 3_600_000L + 59_000));
    }

    @Test
    public void ageOfARecordFromTheFutureIsZero() {
        // Another cluster node's clock may run ahead of ours.
        assertEquals("0s", age(-5000));
    }

    @Test
    public void statesParseInAnyCase() {
        assertEquals(BypassState.BYPASSED, BypassText.state("bypassed"));
        assertEquals(BypassState.OFFLOADING, BypassText.state("Offloading"));
    }

    @Test
    public void unknownStateNamesTheValidOnes() {
        try {
            BypassText.state("up");
            fail("'up' parsed as a state");
        } catch (IllegalArgumentException e) {
            assertEquals("state 'up' is not one of PROXIED, OFFLOADING, BYPASSED, RELEASED, FAILED", e.getMessage());
        }
    }
}
