package org.tcpbypass.proxy.relay;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

import static org.junit.Assert.fail;

/** What the relay tests share: events nobody listens to, and waiting on socket state. */
final class RelayTesting {
    /** The relay's events matter not in these tests. */
    static final RelayEvents NO_EVENTS = new RelayEvents() {
        @Override
        public void opened(Relay r) {
        }

        @Override
        public void closed(Relay r) {
        }

        @Override
        public void offloadDue(Relay r) {
        }

        @Override
        public void relayed(long bytes) {
        }
    };

    private RelayTesting() {
    }

    /** Fails unless {@code condition} holds within 5 s. */
    static void awaitTrue(String what, IoCondition condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.holds()) {
            if (System.nanoTime() - deadline > 0) {
                fail("not within 5 s: " + what);
            }
            Thread.sleep(1);
        }
    }

    /** A condition read from sockets. */
    interface IoCondition {
        boolean holds() throws IOException;
    }
}
