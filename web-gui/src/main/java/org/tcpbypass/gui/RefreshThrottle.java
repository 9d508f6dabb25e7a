package org.tcpbypass.gui;

import org.tcpbypass.api.BypassEvent;
import org.tcpbypass.api.BypassListener;
import org.slf4j.Logger;

import java.util.Timer;
import java.util.TimerTask;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.slf4j.LoggerFactory.getLogger;

/**
 * Coalesces bypass events into at most one refresh per period: counter updates from a busy switch arrive far more
 * often than a browser can usefully redraw.
 */
final class RefreshThrottle implements BypassListener {

    private final Logger log = getLogger(getClass());

    private final Timer timer;
    private final long periodMillis;
    private final Runnable refresh;
    private final AtomicBoolean pending = new AtomicBoolean();

    /**
     * Creates a throttle.
     *
     * @param timer        timer that runs the refresh
     * @param periodMillis delay from the first event of a burst to its refresh
     * @param refresh      what to run once per burst
     */
    RefreshThrottle(Timer timer, long periodMillis, Runnable refresh) {
        this.timer = timer;
        this.periodMillis = periodMillis;
        this.refresh = refresh;
    }

    @Override
    public void event(BypassEvent event) {
        if (pending.compareAndSet(false, true)) {
            timer.schedule(new TimerTask() {
                @Override
                public void run() {
                    pending.set(false);
                    try {
                        refresh.run();
                    } catch (RuntimeException e) {
                        // The timer is shared: a failed push to one browser must not stop it.
                        log.warn("Web UI refresh failed", e);
                    }
                }
            }, periodMillis);
        }
    }
}
