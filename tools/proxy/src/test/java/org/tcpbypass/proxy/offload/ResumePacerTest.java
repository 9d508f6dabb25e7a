package org.tcpbypass.proxy.offload;

import org.junit.Test;

import static org.junit.Assert.assertEquals;

public class ResumePacerTest {

    @Test
    public void resumptionsThatComeTogetherLeaveOneSpacingApart() {
        ResumePacer p = new ResumePacer(2_000_000);
        long t = -5_000_000_000L;
        assertEquals("the first leaves at once", t, p.book(t));
        assertEquals(t + 2_000_000, p.book(t));
        assertEquals(t + 4_000_000, p.book(t + 1_000_000));
        assertEquals("a slot booked behind others waits for them", t + 6_000_000, p.book(t + 3_000_000));
    }

    @Test
    public void aResumptionAfterAQuietSpellLeavesAtOnce() {
        ResumePacer p = new ResumePacer(2_000_000);
        p.book(100);
        assertEquals(2_000_100, p.book(2_000_100));
        assertEquals(9_000_000, p.book(9_000_000));
    }

    @Test
    public void noSpacingNeverWaits() throws InterruptedException {
        ResumePacer p = new ResumePacer(0);
        for (int i = 0; i < 5; i++) {
            assertEquals(0, p.await());
        }
    }

    @Test
    public void awaitSleepsUntilItsSlot() throws InterruptedException {
        ResumePacer p = new ResumePacer(20_000_000);
        p.await();
        long t0 = System.nanoTime();
        long waited = p.await();
        long took = System.nanoTime() - t0;
        assertEquals("waited for the second slot", 20.0, waited / 1e6, 2.0);
        assertEquals(true, took >= waited);
    }
}
