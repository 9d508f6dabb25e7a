package org.tcpbypass.lab.onos;

import org.onosproject.event.DefaultEventSinkRegistry;
import org.onosproject.event.Event;
import org.onosproject.event.EventDeliveryService;
import org.onosproject.event.EventSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * ONOS's event dispatcher: events posted by managers reach their sinks on one dispatch thread, in order.
 */
public final class LabEventDelivery extends DefaultEventSinkRegistry implements EventDeliveryService {

    private static final Logger log = LoggerFactory.getLogger(LabEventDelivery.class);

    private final ExecutorService dispatcher = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "lab-events");
        t.setDaemon(true);
        return t;
    });
    private volatile long timeLimit = 2000;

    @Override
    @SuppressWarnings("unchecked")
    public void post(Event event) {
        dispatcher.execute(() -> {
            EventSink<Event> sink = getSink((Class<Event>) event.getClass());
            if (sink == null) {
                log.warn("no sink for {}", event.getClass().getName());
                return;
            }
            sink.process(event);
        });
    }

    @Override
    public void setDispatchTimeLimit(long millis) {
        timeLimit = millis;
    }

    @Override
    public long getDispatchTimeLimit() {
        return timeLimit;
    }

    /** Stops dispatching. */
    public void shutdown() {
        dispatcher.shutdownNow();
    }
}
