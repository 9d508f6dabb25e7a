package org.tcpbypass.lab.net;

import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Test;
import org.tcpbypass.lab.LabEnvironment;

import java.util.List;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.junit.Assert.assertEquals;

/**
 * The lab's namespaces, veths, addresses and offload settings, and their teardown.
 */
public class LabTopologyTest {

    @BeforeClass
    public static void needsNamespaces() {
        LabEnvironment.namespacesMissing().ifPresent(reason -> Assume.assumeTrue("skipped: " + reason, false));
    }

    @Test
    public void buildsThreeHostsWithOffloadsOffAndTearsThemDown() {
        List<String> names;
        try (LabTopology t = LabTopology.create()) {
            names = List.of(t.client().namespace(), t.proxy().namespace(), t.server().namespace());
            String namespaces = Shell.run("ip", "netns", "list");
            names.forEach(n -> assertThat(namespaces, containsString(n)));

            assertThat(t.client().exec("ip", "-4", "addr", "show", "dev", "eth0"), containsString("198.18.0.1/15"));
            assertThat(t.server().exec("ip", "-4", "addr", "show", "dev", "eth0"), containsString("198.18.0.3/15"));
            assertThat(t.proxy().exec("ip", "link", "show", "eth0"), containsString("02:00:00:00:00:02"));
            assertThat(t.client().exec("ip", "neigh", "show", "198.18.0.3"),
                       containsString("02:00:00:00:00:03 PERMANENT"));

            for (LabHost h : t.hosts()) {
                assertThat(h.exec("ethtool", "-k", "eth0"), containsString("tx-checksumming: off"));
                assertThat(Shell.run("ethtool", "-k", h.switchInterface()), containsString("tx-checksumming: off"));
                assertEquals("switch port", h.switchPort(), t.hosts().indexOf(h) + 1);
            }
            assertThat(Shell.run("ip", "link", "show", t.cpuControllerInterface()), containsString("UP"));

            t.shape(t.client(), "tbf", "rate", "100mbit", "burst", "32kb", "latency", "50ms");
            assertThat(t.client().exec("tc", "qdisc", "show", "dev", "eth0"), containsString("tbf"));
            t.shape(t.client());
            assertThat(t.client().exec("tc", "qdisc", "show", "dev", "eth0"), not(containsString("tbf")));
        }
        String after = Shell.run("ip", "netns", "list");
        names.forEach(n -> assertThat(after, not(containsString(n))));
        assertThat(List.of(Shell.run("ip", "-o", "link").split("\n")),
                   not(hasItem(containsString(LabTopology.PREFIX + Long.toString(ProcessHandle.current().pid(), 36)))));
    }

    @Test
    public void closingTwiceIsHarmless() {
        LabTopology t = LabTopology.create();
        t.close();
        t.close();
        assertThat(Shell.run("ip", "netns", "list"), not(containsString(t.proxy().namespace())));
    }
}
