package org.tcpbypass.proxy.linux;

import org.junit.Test;
import org.tcpbypass.proxy.Netns;

import java.net.InetSocketAddress;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;

/**
 * The filter's removals as on a kernel before Linux 6.3 (no nf_tables destroy): each key deleted on its own, a
 * missing one skipped. Each skipped key costs a refused transaction there.
 */
public class HandoffFilterWithoutDestroyNetnsTest {
    private static final String TABLE = "tbp_filter_old_kernel";
    private static final HandoffFilter.Flows FLOWS = new HandoffFilter.Flows(
            new InetSocketAddress("198.18.0.1", 40000), new InetSocketAddress("198.18.0.2", 8000),
            new InetSocketAddress("198.18.1.2", 50000), new InetSocketAddress("198.18.1.3", 9000));

    @Test
    public void everyRemovalStillLiftsWhatIsThereAndSkipsWhatIsGone() throws Exception {
        try (Netns n = new Netns()) {
            long refused = Netns.in(n.proxy, () -> {
                try (HandoffFilter filter = new HandoffFilter(TABLE, false)) {
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
            assertEquals("one refused transaction per key already gone: the let-through leg's quiesce, then two"
                         + " released and two frozen", 5, refused);
        }
    }
}
