package org.tcpbypass.proxy;

import org.junit.Test;
import org.tcpbypass.proxy.linux.HandoffFilter;

import java.net.InetSocketAddress;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertThat;

/** The hand-off's nftables sets, changed through netlink in the proxy's namespace. */
public class HandoffFilterNetnsTest {
    private static final String TABLE = "tbp_filter_test";

    @Test
    public void thawLiftsEverythingWhileAPeerIsLetThrough() throws Exception {
        try (Netns n = new Netns()) {
            HandoffFilter.Flows f = new HandoffFilter.Flows(new InetSocketAddress(Netns.CLIENT_IP, 40000),
                    new InetSocketAddress(Netns.PROXY_CLIENT_SIDE_IP, 8000),
                    new InetSocketAddress(Netns.PROXY_SERVER_SIDE_IP, 50000),
                    new InetSocketAddress(Netns.SERVER_IP, 9000));
            Netns.in(n.proxy, () -> {
                try (HandoffFilter filter = new HandoffFilter(TABLE)) {
                    filter.install();
                    filter.quiesce(f);
                    filter.freeze(f);
                    // The server's peer let through: its leg's quiesce element is gone when the hand-off falls back.
                    filter.quiesce(f, 1, false);
                    filter.thaw(f, true);
                }
                return null;
            });
            assertThat("no quiesce entry left", n.nftSet(TABLE, "quiesced"), not(containsString("elements")));
            assertThat("no freeze entry left", n.nftSet(TABLE, "frozen"), not(containsString("elements")));
        }
    }
}
