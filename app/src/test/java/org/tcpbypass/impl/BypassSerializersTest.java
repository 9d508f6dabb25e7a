package org.tcpbypass.impl;

import org.junit.Test;
import org.onosproject.store.service.Serializer;
import org.onosproject.store.service.Versioned;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassCounters;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.StateChange;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotSame;
import static org.tcpbypass.impl.TestData.CLIENT_LEG;
import static org.tcpbypass.impl.TestData.DEVICE;
import static org.tcpbypass.impl.TestData.SERVER_LEG;
import static org.tcpbypass.impl.TestData.TUPLE;

/**
 * Every type the store shares survives a Kryo round trip unchanged.
 */
public class BypassSerializersTest {

    private final Serializer serializer = Serializer.using(BypassSerializers.NAMESPACE);

    private void roundTrip(Object value) {
        Object copy = serializer.decode(serializer.encode(value));
        assertNotSame(value, copy);
        assertEquals(value, copy);
    }

    @Test
    public void appTypes() {
        BypassTranslation translation = BypassTranslation.of(CLIENT_LEG, SERVER_LEG);
        roundTrip(BypassId.of(42));
        roundTrip(TUPLE);
        roundTrip(TUPLE.client());
        roundTrip(translation);
        roundTrip(BypassCounters.of(1, 2, 3, 4));
        roundTrip(StateChange.of(BypassState.FAILED, 5, "why"));
        roundTrip(Leg.clientLeg(TUPLE));
        roundTrip(IdempotencyKey.of("proxy1", "3f2c1d9e-6b1a-4f7e-9c55-0d6e2b7a8c41"));
        for (BypassState s : BypassState.values()) {
            assertEquals(s, serializer.decode(serializer.encode(s)));
        }
    }

    @Test
    public void recordsInEveryShape() {
        Bypass proxied = Bypass.proxied(BypassId.of(1), "proxy1", DEVICE, TUPLE, 1000);
        roundTrip(proxied);
        Bypass offloading = proxied.offloading(BypassTranslation.of(CLIENT_LEG, SERVER_LEG), 2000);
        roundTrip(offloading);
        Bypass bypassed = offloading.withState(BypassState.BYPASSED, null, 2100)
                .withCounters(BypassCounters.of(10, 1000, 20, 2000));
        roundTrip(bypassed);
        roundTrip(bypassed.withState(BypassState.FAILED, "device removed", 3000));
        roundTrip(new Versioned<>(bypassed, 7, 8));
        Bypass keyed = Bypass.offloading(BypassId.of(2), "proxy1", DEVICE, TUPLE,
                                         BypassTranslation.of(CLIENT_LEG, SERVER_LEG), 1000).withIdempotencyKey("k1");
        roundTrip(keyed);
        roundTrip(keyed.withState(BypassState.RELEASED, "released by proxy", 4000));
        Bypass releaseAsked = keyed.withReleaseAsked("released by proxy");
        roundTrip(releaseAsked);
        roundTrip(releaseAsked.withState(BypassState.RELEASED, "released by proxy", 4000));
    }
}
