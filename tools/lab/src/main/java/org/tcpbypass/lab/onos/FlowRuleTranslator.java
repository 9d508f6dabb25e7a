package org.tcpbypass.lab.onos;

import org.onlab.packet.IpPrefix;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.flow.IndexTableId;
import org.onosproject.net.flow.criteria.Criterion;
import org.onosproject.net.flow.criteria.EthCriterion;
import org.onosproject.net.flow.criteria.EthTypeCriterion;
import org.onosproject.net.flow.criteria.IPCriterion;
import org.onosproject.net.flow.criteria.IPProtocolCriterion;
import org.onosproject.net.flow.criteria.PiCriterion;
import org.onosproject.net.flow.criteria.PortCriterion;
import org.onosproject.net.flow.criteria.TcpPortCriterion;
import org.onosproject.net.flow.instructions.Instruction;
import org.onosproject.net.flow.instructions.PiInstruction;
import org.onosproject.net.pi.model.PiMatchFieldId;
import org.onosproject.net.pi.model.PiMatchFieldModel;
import org.onosproject.net.pi.model.PiMatchType;
import org.onosproject.net.pi.model.PiPipelineInterpreter;
import org.onosproject.net.pi.model.PiPipelineModel;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.model.PiTableModel;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.net.pi.runtime.PiExactFieldMatch;
import org.onosproject.net.pi.runtime.PiFieldMatch;
import org.onosproject.net.pi.runtime.PiLpmFieldMatch;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiTableAction;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.onosproject.net.pi.runtime.PiTernaryFieldMatch;
import org.onosproject.net.pi.service.PiTranslationException;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static java.lang.String.format;

/**
 * Turns an ONOS flow rule into the PI table entry for a pipeline: what ONOS core's PI flow-rule translator
 * does on a real controller. Standard criteria become match fields through the pipeconf's interpreter; a
 * treatment that is a single PiInstruction is that action, any other goes through the interpreter.
 */
public final class FlowRuleTranslator {

    /** P4Runtime's largest priority; higher wins. */
    public static final int MAX_PI_PRIORITY = 1 << 24;

    private final PiPipelineModel model;
    private final PiPipelineInterpreter interpreter;

    /**
     * Creates a translator for one pipeline.
     *
     * @param model       the pipeconf's pipeline model (from its P4Info)
     * @param interpreter the pipeconf's interpreter
     */
    public FlowRuleTranslator(PiPipelineModel model, PiPipelineInterpreter interpreter) {
        this.model = model;
        this.interpreter = interpreter;
    }

    /**
     * Translates a flow rule.
     *
     * @param rule flow rule
     * @return PI table entry, with match values sized and action checked against the pipeline model
     * @throws PiTranslationException when a criterion, table or action has no PI form in this pipeline
     */
    public PiTableEntry translate(FlowRule rule) throws PiTranslationException {
        PiTableId tableId = tableId(rule);
        PiTableModel table = model.table(tableId).orElseThrow(
                () -> new PiTranslationException("no table " + tableId + " in the pipeline"));
        Map<PiMatchFieldId, PiFieldMatch> matches = new HashMap<>();
        for (Criterion c : rule.selector().criteria()) {
            if (c instanceof PiCriterion) {
                ((PiCriterion) c).fieldMatches().forEach(m -> matches.put(m.fieldId(), m));
                continue;
            }
            PiMatchFieldId fieldId = interpreter.mapCriterionType(c.type()).orElseThrow(
                    () -> new PiTranslationException("criterion " + c.type() + " has no match field"));
            PiMatchFieldModel field = table.matchField(fieldId).orElseThrow(
                    () -> new PiTranslationException(format("table %s has no match field %s", tableId, fieldId)));
            matches.put(fieldId, fieldMatch(c, field));
        }
        for (PiMatchFieldModel f : table.matchFields()) {
            if (f.matchType() == PiMatchType.EXACT && !matches.containsKey(f.id())) {
                throw new PiTranslationException(format("no value for exact match field %s of %s", f.id(), tableId));
            }
        }
        PiTableEntry.Builder entry = PiTableEntry.builder()
                .forTable(tableId)
                .withMatchKey(PiMatchKey.builder().addFieldMatches(matches.values()).build())
                .withAction(checkAction(action(rule, tableId), table))
                .withCookie(rule.id().value());
        if (table.matchFields().stream().anyMatch(f -> f.matchType() != PiMatchType.EXACT
                && f.matchType() != PiMatchType.LPM)) {
            entry.withPriority(Math.min(MAX_PI_PRIORITY, 1 + rule.priority()));
        }
        return entry.build();
    }

    private PiTableId tableId(FlowRule rule) throws PiTranslationException {
        if (rule.table() instanceof PiTableId) {
            return (PiTableId) rule.table();
        }
        int index = ((IndexTableId) rule.table()).id();
        return interpreter.mapFlowRuleTableId(index).orElseThrow(
                () -> new PiTranslationException("table index " + index + " has no PI table"));
    }

    private PiTableAction action(FlowRule rule, PiTableId tableId) throws PiTranslationException {
        List<Instruction> instructions = rule.treatment().allInstructions();
        if (instructions.size() == 1 && instructions.get(0) instanceof PiInstruction) {
            return ((PiInstruction) instructions.get(0)).action();
        }
        try {
            return interpreter.mapTreatment(rule.treatment(), tableId);
        } catch (PiPipelineInterpreter.PiInterpreterException e) {
            throw new PiTranslationException("interpreter cannot map the treatment: " + e.getMessage());
        }
    }

    private static PiAction checkAction(PiTableAction tableAction, PiTableModel table)
            throws PiTranslationException {
        if (!(tableAction instanceof PiAction)) {
            throw new PiTranslationException("only direct actions are supported, got " + tableAction.type());
        }
        PiAction action = (PiAction) tableAction;
        var actionModel = table.action(action.id()).orElseThrow(() -> new PiTranslationException(
                format("table %s has no action %s", table.id(), action.id())));
        if (actionModel.params().size() != action.parameters().size()) {
            throw new PiTranslationException(format("action %s takes %d parameters, got %d", action.id(),
                                                    actionModel.params().size(), action.parameters().size()));
        }
        PiAction.Builder sized = PiAction.builder().withId(action.id());
        for (PiActionParam p : action.parameters()) {
            var paramModel = actionModel.param(p.id()).orElseThrow(() -> new PiTranslationException(
                    format("action %s has no parameter %s", action.id(), p.id())));
            sized.withParameter(new PiActionParam(p.id(), fit(p.value(), paramModel.bitWidth(), p.id().id())));
        }
        return sized.build();
    }

    private static PiFieldMatch fieldMatch(Criterion c, PiMatchFieldModel field) throws PiTranslationException {
        int bits = field.bitWidth();
        ImmutableByteSequence value;
        ImmutableByteSequence mask = ones(bits);
        int prefix = bits;
        switch (c.type()) {
            case IN_PORT:
                value = ImmutableByteSequence.copyFrom(((PortCriterion) c).port().toLong());
                break;
            case ETH_SRC:
            case ETH_DST:
            case ETH_SRC_MASKED:
            case ETH_DST_MASKED:
                EthCriterion eth = (EthCriterion) c;
                value = ImmutableByteSequence.copyFrom(eth.mac().toBytes());
                if (eth.mask() != null) {
                    mask = ImmutableByteSequence.copyFrom(eth.mask().toBytes());
                }
                break;
            case ETH_TYPE:
                value = ImmutableByteSequence.copyFrom(((EthTypeCriterion) c).ethType().toShort());
                break;
            case IPV4_SRC:
            case IPV4_DST:
                IpPrefix ip = ((IPCriterion) c).ip();
                value = ImmutableByteSequence.copyFrom(ip.address().toOctets());
                prefix = ip.prefixLength();
                mask = ImmutableByteSequence.prefixOnes(4, prefix);
                break;
            case IP_PROTO:
                value = ImmutableByteSequence.copyFrom((byte) ((IPProtocolCriterion) c).protocol());
                break;
            case TCP_SRC:
            case TCP_DST:
            case TCP_SRC_MASKED:
            case TCP_DST_MASKED:
                TcpPortCriterion tcp = (TcpPortCriterion) c;
                value = ImmutableByteSequence.copyFrom((short) tcp.tcpPort().toInt());
                if (tcp.mask() != null) {
                    mask = ImmutableByteSequence.copyFrom((short) tcp.mask().toInt());
                }
                break;
            default:
                throw new PiTranslationException("criterion " + c.type() + " is not supported by the lab");
        }
        value = fit(value, bits, field.id().id());
        switch (field.matchType()) {
            case EXACT:
                if (!isAllOnes(mask, bits)) {
                    throw new PiTranslationException(format("exact field %s cannot take a masked %s", field.id(),
                                                            c.type()));
                }
                return new PiExactFieldMatch(field.id(), value);
            case TERNARY:
                return new PiTernaryFieldMatch(field.id(), value, fit(mask, bits, field.id().id()));
            case LPM:
                return new PiLpmFieldMatch(field.id(), value, prefix);
            default:
                throw new PiTranslationException(format("match type %s of %s is not supported by the lab",
                                                        field.matchType(), field.id()));
        }
    }

    private static boolean isAllOnes(ImmutableByteSequence mask, int bits) {
        try {
            return mask.fit(bits).equals(ones(bits));
        } catch (ImmutableByteSequence.ByteSequenceTrimException e) {
            return false;
        }
    }

    private static ImmutableByteSequence fit(ImmutableByteSequence v, int bits, String name)
            throws PiTranslationException {
        try {
            return v.fit(bits);
        } catch (ImmutableByteSequence.ByteSequenceTrimException e) {
            throw new PiTranslationException(format("%s does not fit in %d bits: %s", name, bits, e.getMessage()));
        }
    }

    private static ImmutableByteSequence ones(int bits) {
        byte[] b = new byte[bytes(bits)];
        Arrays.fill(b, (byte) 0xff);
        if (bits % 8 != 0) {
            b[0] = (byte) ((1 << (bits % 8)) - 1);
        }
        return ImmutableByteSequence.copyFrom(b);
    }

    private static int bytes(int bits) {
        return (bits + 7) / 8;
    }
}
