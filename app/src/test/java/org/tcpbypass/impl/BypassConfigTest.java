package org.tcpbypass.impl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.Test;
import org.onlab.packet.Ip4Address;
import org.tcpbypass.api.RegisteredProxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;
import static org.tcpbypass.impl.TestData.APP_ID;
import static org.tcpbypass.impl.TestData.PROXY1;

/**
 * Parsing of the app's network configuration and its errors, each naming the field.
 */
public class BypassConfigTest {

    static final String PROXY_JSON = "{'name': 'proxy1', 'ip': '198.18.0.2', 'vips': ['198.18.0.100', "
            + "'198.18.0.101'], 'mac': '00:00:00:00:00:02', 'connectPoint': 'device:bmv2:s1/2'}";

    static BypassConfig config(String json) {
        ObjectMapper mapper = new ObjectMapper();
        try {
            JsonNode node = mapper.readTree(json.replace('\'', '"'));
            BypassConfig config = new BypassConfig();
            config.init(APP_ID, BypassConfig.KEY, node, mapper, c -> { });
            return config;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void assertRejected(String json, String message) {
        BypassConfig config = config(json);
        assertFalse(config.isValid());
        try {
            config.check();
            fail("accepted " + json);
        } catch (IllegalArgumentException e) {
            assertEquals(message, e.getMessage());
        }
    }

    @Test
    public void fullConfiguration() {
        BypassConfig config = config("{'proxies': [" + PROXY_JSON + "], 'idleTimeoutSeconds': 30, "
                                             + "'lingerMillis': 250, 'retentionSeconds': 90}");
        assertTrue(config.isValid());
        List<RegisteredProxy> proxies = config.proxies();
        assertEquals(List.of(PROXY1), proxies);
        assertEquals(Optional.of(30), config.idleTimeoutSeconds());
        assertEquals(Optional.of(250), config.lingerMillis());
        assertEquals(Optional.of(90), config.retentionSeconds());
    }

    @Test
    public void readmeExampleIsValid() throws IOException {
        JsonNode netcfg = new ObjectMapper().readTree(
                Files.readString(Path.of("../tools/netcfg-example.json")));
        BypassConfig config = config(netcfg.path("apps").path("org.tcpbypass").path(BypassConfig.KEY).toString());
        config.check();
        RegisteredProxy proxy = config.proxies().get(0);
        assertEquals(PROXY1.name(), proxy.name());
        assertEquals(PROXY1.ip(), proxy.ip());
        assertEquals(PROXY1.mac(), proxy.mac());
        assertEquals(PROXY1.connectPoint(), proxy.connectPoint());
        assertEquals("org.tcpbypass.bmv2",
                     netcfg.path("devices").path("device:bmv2:s1").path("basic").path("pipeconf").asText());
    }

    @Test
    public void emptyConfigurationMeansDefaults() {
        BypassConfig config = config("{}");
        assertTrue(config.isValid());
        assertTrue(config.proxies().isEmpty());
        assertEquals(Optional.empty(), config.idleTimeoutSeconds());
        assertEquals(Optional.empty(), config.lingerMillis());
        assertEquals(Optional.empty(), config.retentionSeconds());
    }

    @Test
    public void ownAddressMayBeAVip() {
        BypassConfig config = config("{'proxies': [{'name': 'p', 'ip': '198.18.0.2', 'vips': ['198.18.0.2'], "
                                             + "'mac': '00:00:00:00:00:02', 'connectPoint': 'device:bmv2:s1/2'}]}");
        assertEquals(Ip4Address.valueOf("198.18.0.2"), config.proxies().get(0).vips().iterator().next());
    }

    @Test
    public void errorsNameTheField() {
        assertRejected("{'proxy': []}", "proxy: unknown field; allowed: proxies, idleTimeoutSeconds, lingerMillis, "
                + "retentionSeconds");
        assertRejected("{'proxies': {}}", "proxies: must be an array");
        assertRejected("{'proxies': [1]}", "proxies[0]: must be an object");
        assertRejected("{'proxies': [" + PROXY_JSON.replace("'name': 'proxy1'", "'name': ''") + "]}",
                       "proxies[0].name: missing or not a non-empty string");
        assertRejected("{'proxies': [" + PROXY_JSON.replace("'198.18.0.2'", "'198.18.0'") + "]}",
                       "proxies[0].ip: '198.18.0' is not an IPv4 address");
        assertRejected("{'proxies': [" + PROXY_JSON.replace("'198.18.0.101'", "'::1'") + "]}",
                       "proxies[0].vips[1]: '::1' is not an IPv4 address");
        assertRejected("{'proxies': [" + PROXY_JSON.replace("['198.18.0.100', '198.18.0.101']", "[]") + "]}",
                       "proxies[0].vips: must be a non-empty array");
        assertRejected("{'proxies': [" + PROXY_JSON.replace("00:00:00:00:00:02", "zz") + "]}",
                       "proxies[0].mac: 'zz' is not a MAC address");
        assertRejected("{'proxies': [" + PROXY_JSON.replace("device:bmv2:s1/2", "s1") + "]}",
                       "proxies[0].connectPoint: 's1' is not a connect point like device:bmv2:s1/2");
        assertRejected("{'proxies': [" + PROXY_JSON.replace("'mac'", "'color': 1, 'mac'") + "]}",
                       "proxies[0].color: unknown field; allowed: name, ip, vips, mac, connectPoint");
        assertRejected("{'proxies': [" + PROXY_JSON + ", " + PROXY_JSON + "]}",
                       "proxies[1].name: 'proxy1' is registered twice");
        assertRejected("{'idleTimeoutSeconds': 0}", "idleTimeoutSeconds: 0 is not an integer >= 1");
        assertRejected("{'lingerMillis': -1}", "lingerMillis: -1 is not an integer >= 0");
        assertRejected("{'retentionSeconds': 'long'}", "retentionSeconds: \"long\" is not an integer >= 0");
    }
}
