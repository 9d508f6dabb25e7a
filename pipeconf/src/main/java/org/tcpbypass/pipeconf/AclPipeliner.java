package org.tcpbypass.pipeconf;

import com.google.common.collect.ImmutableList;
import org.onosproject.core.ApplicationId;
import org.onosproject.core.CoreService;
import org.onosproject.net.DeviceId;
import org.onosproject.net.PortNumber;
import org.onosproject.net.behaviour.NextGroup;
import org.onosproject.net.behaviour.Pipeliner;
import org.onosproject.net.behaviour.PipelinerContext;
import org.onosproject.net.driver.AbstractHandlerBehaviour;
import org.onosproject.net.flow.DefaultFlowRule;
import org.onosproject.net.flow.DefaultTrafficTreatment;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.flow.FlowRuleService;
import org.onosproject.net.flowobjective.FilteringObjective;
import org.onosproject.net.flowobjective.ForwardingObjective;
import org.onosproject.net.flowobjective.NextObjective;
import org.onosproject.net.flowobjective.Objective;
import org.onosproject.net.flowobjective.ObjectiveError;
import org.onosproject.net.group.DefaultGroupBucket;
import org.onosproject.net.group.DefaultGroupDescription;
import org.onosproject.net.group.DefaultGroupKey;
import org.onosproject.net.group.GroupBuckets;
import org.onosproject.net.group.GroupDescription;
import org.onosproject.net.group.GroupKey;
import org.onosproject.net.group.GroupService;

import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;

import static org.tcpbypass.pipeconf.BypassPipelineConstants.ACL_TABLE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.CPU_CLONE_SESSION_ID;

/**
 * Flow objectives of ONOS core apps (reactive forwarding, LLDP/ARP punts) become ACL table rules.
 * On init it installs the clone session through which the pipeline copies FIN/RST/SYN of bypassed
 * connections to the controller.
 */
public class AclPipeliner extends AbstractHandlerBehaviour implements Pipeliner {

    /** Application that owns the clone session group. */
    static final String APP_NAME = "org.tcpbypass";

    private DeviceId deviceId;
    private FlowRuleService flowRuleService;

    @Override
    public void init(DeviceId deviceId, PipelinerContext context) {
        this.deviceId = deviceId;
        this.flowRuleService = context.directory().get(FlowRuleService.class);
        GroupService groupService = context.directory().get(GroupService.class);
        ApplicationId appId = context.directory().get(CoreService.class).registerApplication(APP_NAME);
        if (groupService.getGroup(deviceId, cpuCopyGroupKey()) == null) {
            groupService.addGroup(cpuCopyGroup(deviceId, appId));
        }
    }

    /** Key of the clone group that sends FIN/RST/SYN copies to the CPU port. */
    static GroupKey cpuCopyGroupKey() {
        return new DefaultGroupKey(ByteBuffer.allocate(Integer.BYTES).putInt(CPU_CLONE_SESSION_ID).array());
    }

    /** The clone session (a CLONE group with the session id as group id) towards the controller. */
    static GroupDescription cpuCopyGroup(DeviceId deviceId, ApplicationId appId) {
        return new DefaultGroupDescription(deviceId, GroupDescription.Type.CLONE,
                new GroupBuckets(ImmutableList.of(DefaultGroupBucket.createCloneGroupBucket(
                        DefaultTrafficTreatment.builder().setOutput(PortNumber.CONTROLLER).build()))),
                cpuCopyGroupKey(), CPU_CLONE_SESSION_ID, appId);
    }

    @Override
    public void filter(FilteringObjective objective) {
        fail(objective, ObjectiveError.UNSUPPORTED);
    }

    @Override
    public void forward(ForwardingObjective objective) {
        if (objective.treatment() == null) {
            fail(objective, ObjectiveError.UNSUPPORTED);
            return;
        }
        FlowRule.Builder rule = DefaultFlowRule.builder()
                .forDevice(deviceId)
                .forTable(ACL_TABLE)
                .withSelector(objective.selector())
                .withTreatment(objective.treatment())
                .withPriority(objective.priority())
                .fromApp(objective.appId());
        if (objective.permanent()) {
            rule.makePermanent();
        } else {
            rule.makeTemporary(objective.timeout());
        }
        switch (objective.op()) {
            case ADD:
                flowRuleService.applyFlowRules(rule.build());
                break;
            case REMOVE:
                flowRuleService.removeFlowRules(rule.build());
                break;
            default:
                fail(objective, ObjectiveError.UNSUPPORTED);
                return;
        }
        objective.context().ifPresent(c -> c.onSuccess(objective));
    }

    @Override
    public void next(NextObjective objective) {
        fail(objective, ObjectiveError.UNSUPPORTED);
    }

    @Override
    public void purgeAll(ApplicationId appId) {
        flowRuleService.purgeFlowRules(deviceId, appId);
    }

    @Override
    public List<String> getNextMappings(NextGroup nextGroup) {
        return Collections.emptyList();
    }

    private static void fail(Objective objective, ObjectiveError error) {
        objective.context().ifPresent(c -> c.onError(objective, error));
    }
}
