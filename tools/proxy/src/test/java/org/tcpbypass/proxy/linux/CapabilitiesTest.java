package org.tcpbypass.proxy.linux;

import org.junit.Test;

import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertNull;
import static org.junit.Assert.assertTrue;

/** Reading effective capabilities and PATH look-ups. */
public class CapabilitiesTest {
    private static final String STATUS = "Name:\tjava\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n";

    @Test
    public void readsTheEffectiveSet() {
        assertTrue(Capabilities.effective(STATUS + "CapEff:\t0000000000001000\n", Capabilities.NET_ADMIN));
        assertFalse(Capabilities.effective(STATUS + "CapEff:\t0000000000002000\n", Capabilities.NET_ADMIN));
        assertTrue(Capabilities.effective(STATUS + "CapEff:\t000001ffffffffff\n", Capabilities.NET_RAW));
        assertFalse(Capabilities.effective(STATUS + "CapEff:\t0000000000000000\n", Capabilities.NET_RAW));
    }

    @Test(expected = IllegalArgumentException.class)
    public void statusWithoutEffectiveSetIsAnError() {
        Capabilities.effective(STATUS, Capabilities.NET_ADMIN);
    }

    @Test
    public void findsExecutablesOnPath() {
        assertNotNull(Capabilities.onPath("sh"));
        assertNull(Capabilities.onPath("tcp-bypass-no-such-tool"));
    }
}
