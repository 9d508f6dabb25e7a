package org.tcpbypass.impl;

import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.intent.FlowRuleIntent;

import java.util.List;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * Compares flow rule intents field by field: {@code Intent.equals} compares ids only, {@code FlowRule.equals}
 * the match only, and a rule's text holds its creation time.
 */
final class IntentAssert {

    private IntentAssert() {
    }

    static void assertSameIntent(FlowRuleIntent expected, FlowRuleIntent actual) {
        assertEquals("id", expected.id(), actual.id());
        assertEquals("key", expected.key(), actual.key());
        assertEquals("appId", expected.appId(), actual.appId());
        assertEquals("resources", expected.resources(), actual.resources());
        assertEquals("type", expected.type(), actual.type());
        assertSameRules(expected, actual);
    }

    static void assertSameRules(FlowRuleIntent expected, FlowRuleIntent actual) {
        List<FlowRule> e = List.copyOf(expected.flowRules());
        List<FlowRule> a = List.copyOf(actual.flowRules());
        assertEquals("rule count", e.size(), a.size());
        for (int i = 0; i < e.size(); i++) {
            FlowRule x = e.get(i);
            FlowRule y = a.get(i);
            assertTrue(x + " vs " + y, x.exactMatch(y));
            assertEquals("appId", x.appId(), y.appId());
            assertEquals("permanent", x.isPermanent(), y.isPermanent());
            assertEquals("timeout", x.timeout(), y.timeout());
            assertEquals("hard timeout", x.hardTimeout(), y.hardTimeout());
            assertEquals("table", x.table(), y.table());
        }
    }
}
