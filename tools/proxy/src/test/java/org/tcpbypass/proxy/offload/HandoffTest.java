package org.tcpbypass.proxy.offload;

import org.junit.Test;

import java.util.concurrent.TimeUnit;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

/** The arithmetic of the barrier's probe answers and of the ACKs that reopen a quiesced peer. */
public class HandoffTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    public void reopeningTsValRunsAheadOfTheOtherEndpointsClockSinceItWasLastHeard() {
        long since = 5_000 * MS;
        // Sent 120 ms after the other endpoint was last heard: its segments translated meanwhile carry up to
        // tsVal + 120 at a 1 kHz clock; the reopening ACK must not be older than them.
        assertEquals(7_000 + Handoff.REOPEN_TS_LEAD + 120,
                     Handoff.reopenTsVal(7_000, since, since + 120 * MS));
        assertEquals(7_000 + Handoff.REOPEN_TS_LEAD, Handoff.reopenTsVal(7_000, since, since));
    }

    @Test
    public void reopeningTsValWrapsModulo2To32() {
        assertEquals(Handoff.REOPEN_TS_LEAD + 9,
                     Handoff.reopenTsVal(0xfffffff0L, 0, 25 * MS));
    }

    @Test
    public void reopeningTsValStaysAbsentWithoutTimestamps() {
        assertEquals(-1, Handoff.reopenTsVal(-1, 0, 10_000 * MS));
    }

    @Test
    public void aClockReadBeforeTheAnchorAddsNothing() {
        assertEquals(100 + Handoff.REOPEN_TS_LEAD, Handoff.reopenTsVal(100, 50 * MS, 40 * MS));
    }

    @Test
    public void restartWindowIsAtMostTenSegments() {
        assertEquals(14_600, Handoff.restart(1 << 20, 1460));
        assertEquals(3_000, Handoff.restart(3_000, 1460));
    }

    @Test
    public void windowFieldIsScaledDownAndClamped() {
        assertEquals(14, Handoff.window(14_600, 10));
        assertEquals(0xffff, Handoff.window(1L << 30, 0));
        assertEquals(0, Handoff.window(-5, 7));
    }

    /**
     * The lab's hand-off of 2026-12-02 15:48 (client capture): rcvNxt read 2570233409, then 4,192 bytes from the
     * client reached the leg and were acknowledged with the zero window; the client's answers carried seq 2570237601.
     */
    @Test
    public void anAnswerAtTheEndOfPayloadThatReachedTheLegAfterTheReadCounts() {
        assertTrue(Handoff.answersProbe(2570237601L, 2570233409L, 2570237601L));
        assertFalse("not without that payload seen", Handoff.answersProbe(2570237601L, 2570233409L, 2570233409L));
    }

    /** Payload seen but lost before the leg took it: the peer's window still ends at the rcvNxt read. */
    @Test
    public void anAnswerAtTheReadRcvNxtCountsThoughLaterPayloadWasSeen() {
        assertTrue(Handoff.answersProbe(1000, 1000, 2222));
        assertTrue(Handoff.answersProbe(1500, 1000, 2222));
    }

    @Test
    public void anAnswerBeyondEverythingSeenOrBeforeTheReadDoesNotCount() {
        assertFalse("payload in flight", Handoff.answersProbe(2223, 1000, 2222));
        assertFalse("an ACK older than the read", Handoff.answersProbe(999, 1000, 2222));
    }

    @Test
    public void answersCountAcrossTheSequenceWrap() {
        assertTrue(Handoff.answersProbe(100, 0xffff_ff00L, 200));
        assertTrue(Handoff.answersProbe(0xffff_ff80L, 0xffff_ff00L, 200));
        assertFalse(Handoff.answersProbe(201, 0xffff_ff00L, 200));
        assertFalse(Handoff.answersProbe(0xffff_fe00L, 0xffff_ff00L, 200));
    }
}
