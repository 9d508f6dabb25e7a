package org.tcpbypass.proxy.linux;

import org.junit.Test;
import org.tcpbypass.proxy.Netns;

import java.net.InetSocketAddress;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;

/**
 * The filter's removals lift what is there and skip what is gone: the quiesce of a let-through leg, the straggler
 * drop whose elements timed out before the sweep of ended bypasses came (30 s by default), a freeze lifted on its
 * own after the release failed. A refused transaction is expensive beyond its own call: the kernel aborts it with an
 * RCU grace period under the nf_tables mutex, and every other hand-off's quiesce, freeze or release waits that long.
 */
public class HandoffFilterRemovalsNetnsTest {
    private static final String TABLE = "tbp_filter_removals";
    private static final HandoffFilter.Flows FLOWS = new HandoffFilter.Flows(
            new InetSocketAddress("198.18.0.1", 40000), new InetSocketAddress("198.18.0.2", 8000),
            new InetSocketAddress("198.18.1.2", 50000), new InetSocketAddress("198.18.1.3", 9000));

    @Test
    public void nothingGoneRefusesATransaction() throws Exception {
        assertEquals("transactions the kernel refused", 0, refusedByRemovals(true));
    }

    /** Before Linux 6.3 (no nf_tables destroy) each key is deleted on its own and each one gone is refused. */
    @Test
    public void withoutDestroyEachKeyGoneCostsARefusal() throws Exception {
        assertEquals("one refused transaction per key already gone: the let-through leg's quiesce, then two"
                     + " released and two frozen", 5, refusedByRemovals(false));
    }

    /** Every removal, some of elements already gone; asserts all sets empty and returns the refused transactions. */
    private static long refusedByRemovals(boolean destroyKnown) throws Exception {
        try (Netns n = new Netns()) {
            long refused = Netns.in(n.proxy, () -> {
                try (HandoffFilter filter = new HandoffFilter(TABLE, destroyKnown)) {
                    filter.install();
                    filter.quiesce(FLOWS);
                    filter.freeze(FLOWS);
                    filter.quiesce(FLOWS, 1, false);
                    filter.thaw(FLOWS, true);
                    filter.freeze(FLOWS);
                    filter.release(FLOWS, 30);
                    filter.unrelease(FLOWS);
                    filter.unrelease(FLOWS);
                    filter.unfreeze(FLOWS);
                    return filter.refusedTransactions();
                }
            });
            for (String set : new String[] {"quiesced", "frozen", "released"}) {
                assertThat(set, n.nftSet(TABLE, set), not(containsString("elements")));
            }
            return refused;
        }
    }
}
