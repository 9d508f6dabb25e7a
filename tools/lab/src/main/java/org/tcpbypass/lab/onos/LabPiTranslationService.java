package org.tcpbypass.lab.onos;

import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.pi.model.PiPipeconf;
import org.onosproject.net.pi.runtime.PiHandle;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.onosproject.net.pi.service.PiFlowRuleTranslator;
import org.onosproject.net.pi.service.PiGroupTranslator;
import org.onosproject.net.pi.service.PiMeterTranslator;
import org.onosproject.net.pi.service.PiReplicationGroupTranslator;
import org.onosproject.net.pi.service.PiTranslatedEntity;
import org.onosproject.net.pi.service.PiTranslationException;
import org.onosproject.net.pi.service.PiTranslationService;

import java.util.Optional;

/** ONOS's PI translation service for the lab's one pipeconf: flow rules translate as the lab writes them. */
public final class LabPiTranslationService implements PiTranslationService {

    private final FlowRuleTranslator translator;

    /**
     * Creates the service.
     *
     * @param translator the translator the lab's flow rule service writes with
     */
    public LabPiTranslationService(FlowRuleTranslator translator) {
        this.translator = translator;
    }

    @Override
    public PiFlowRuleTranslator flowRuleTranslator() {
        return new PiFlowRuleTranslator() {
            @Override
            public PiTableEntry translate(FlowRule rule, PiPipeconf pipeconf) throws PiTranslationException {
                return translator.translate(rule);
            }

            @Override
            public void learn(PiHandle handle, PiTranslatedEntity<FlowRule, PiTableEntry> entity) {
                throw new UnsupportedOperationException("the lab keeps no translation store");
            }

            @Override
            public Optional<PiTranslatedEntity<FlowRule, PiTableEntry>> lookup(PiHandle handle) {
                throw new UnsupportedOperationException("the lab keeps no translation store");
            }

            @Override
            public void forget(PiHandle handle) {
                throw new UnsupportedOperationException("the lab keeps no translation store");
            }
        };
    }

    @Override
    public PiGroupTranslator groupTranslator() {
        throw new UnsupportedOperationException("the lab translates flow rules only");
    }

    @Override
    public PiMeterTranslator meterTranslator() {
        throw new UnsupportedOperationException("the lab translates flow rules only");
    }

    @Override
    public PiReplicationGroupTranslator replicationGroupTranslator() {
        throw new UnsupportedOperationException("the lab translates flow rules only");
    }
}
