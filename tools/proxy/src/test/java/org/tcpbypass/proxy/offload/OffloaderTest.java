package org.tcpbypass.proxy.offload;

import org.junit.Test;

import static org.junit.Assert.assertEquals;

public class OffloaderTest {

    @Test
    public void aPostponedHandOffIsOfferedAgainEverySecondThenLessOftenUpToAMinute() {
        for (int attempt = 1; attempt < Offloader.POSTPONE_PROMPT_ATTEMPTS; attempt++) {
            assertEquals("after attempt " + attempt, 1000, Offloader.retryDelayMillis(attempt));
        }
        assertEquals(2000, Offloader.retryDelayMillis(10));
        assertEquals(4000, Offloader.retryDelayMillis(11));
        assertEquals(32_000, Offloader.retryDelayMillis(14));
        assertEquals(60_000, Offloader.retryDelayMillis(15));
        assertEquals("no overflow however long the connection lives", 60_000,
                     Offloader.retryDelayMillis(Integer.MAX_VALUE));
    }
}
