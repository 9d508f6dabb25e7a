package org.tcpbypass.pipeconf;

import org.easymock.Capture;
import org.junit.Before;
import org.junit.Test;
import org.onlab.osgi.ServiceDirectory;
import org.onosproject.core.ApplicationId;
import org.onosproject.core.CoreService;
import org.onosproject.core.DefaultApplicationId;
import org.onosproject.net.DeviceId;
import org.onosproject.net.PortNumber;
import org.onosproject.net.behaviour.PipelinerContext;
import org.onosproject.net.flow.DefaultTrafficSelector;
import org.onosproject.net.flow.DefaultTrafficTreatment;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.flow.FlowRuleService;
import org.onosproject.net.flow.TrafficSelector;
import org.onosproject.net.flow.TrafficTreatment;
import org.onosproject.net.flow.instructions.Instructions;
import org.onosproject.net.flowobjective.DefaultFilteringObjective;
import org.onosproject.net.flowobjective.DefaultForwardingObjective;
import org.onosproject.net.flowobjective.DefaultNextObjective;
import org.onosproject.net.flowobjective.ForwardingObjective;
import org.onosproject.net.flowobjective.Objective;
import org.onosproject.net.flowobjective.ObjectiveContext;
import org.onosproject.net.flowobjective.ObjectiveError;
import org.onosproject.net.group.GroupDescription;
import org.onosproject.net.group.GroupService;

import java.util.ArrayList;
import java.util.List;

import static org.easymock.EasyMock.anyObject;
import static org.easymock.EasyMock.capture;
import static org.easymock.EasyMock.createMock;
import static org.easymock.EasyMock.eq;
import static org.easymock.EasyMock.expect;
import static org.easymock.EasyMock.newCapture;
import static org.easymock.EasyMock.replay;
import static org.easymock.EasyMock.verify;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThat;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.ACL_TABLE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.CPU_CLONE_SESSION_ID;

public class AclPipelinerTest {

    private static final DeviceId DEVICE = DeviceId.deviceId("device:bmv2:s1");
    private static final ApplicationId APP = new DefaultApplicationId(7, "org.onosproject.fwd");
    private static final ApplicationId BYPASS_APP = new DefaultApplicationId(9, AclPipeliner.APP_NAME);
    private static final TrafficSelector SELECTOR = DefaultTrafficSelector.builder()
            .matchEthType((short) 0x88cc).build();
    private static final TrafficTreatment PUNT = DefaultTrafficTreatment.builder().punt().build();

    private FlowRuleService flowRules;
    private GroupService groups;
    private CoreService core;
    private AclPipeliner pipeliner;
    private final List<String> outcomes = new ArrayList<>();

    @Before
    public void setUp() {
        flowRules = createMock(FlowRuleService.class);
        groups = createMock(GroupService.class);
        core = createMock(CoreService.class);
        expect(core.registerApplication(AclPipeliner.APP_NAME)).andReturn(BYPASS_APP);
        pipeliner = new AclPipeliner();
    }

    @Test
    public void initInstallsTheCpuCloneSessionOnce() {
        Capture<GroupDescription> group = newCapture();
        expect(groups.getGroup(DEVICE, AclPipeliner.cpuCopyGroupKey())).andReturn(null);
        groups.addGroup(capture(group));
        replay(groups, core, flowRules);

        init();

        verify(groups);
        GroupDescription clone = group.getValue();
        assertThat(clone.type(), is(GroupDescription.Type.CLONE));
        assertThat(clone.givenGroupId(), is(CPU_CLONE_SESSION_ID));
        assertThat(clone.deviceId(), is(DEVICE));
        assertThat(clone.appId(), is(BYPASS_APP));
        assertThat(clone.buckets().buckets().size(), is(1));
        assertThat(clone.buckets().buckets().get(0).treatment().allInstructions(),
                   contains(Instructions.createOutput(PortNumber.CONTROLLER)));
    }

    @Test
    public void initLeavesAnExistingCloneSessionAlone() {
        expect(groups.getGroup(DEVICE, AclPipeliner.cpuCopyGroupKey()))
                .andReturn(createMock(org.onosproject.net.group.Group.class));
        replay(groups, core, flowRules);

        init();

        verify(groups);
    }

    @Test
    public void forwardingObjectiveBecomesAnAclRule() {
        Capture<FlowRule> added = newCapture();
        Capture<FlowRule> removed = newCapture();
        flowRules.applyFlowRules(capture(added));
        flowRules.removeFlowRules(capture(removed));
        initWithExistingGroup();

        pipeliner.forward(forwarding().add(context()));
        pipeliner.forward(forwarding().remove(context()));

        verify(flowRules);
        for (FlowRule rule : List.of(added.getValue(), removed.getValue())) {
            assertThat(rule.table(), is(ACL_TABLE));
            assertThat(rule.deviceId(), is(DEVICE));
            assertThat(rule.selector(), is(SELECTOR));
            assertThat(rule.treatment(), is(PUNT));
            assertThat(rule.priority(), is(40000));
            assertThat(rule.appId(), is(APP.id()));
            assertThat(rule.isPermanent(), is(true));
        }
        assertThat(outcomes, contains("success", "success"));
    }

    @Test
    public void temporaryObjectiveBecomesTemporaryRule() {
        Capture<FlowRule> added = newCapture();
        flowRules.applyFlowRules(capture(added));
        initWithExistingGroup();

        pipeliner.forward(DefaultForwardingObjective.builder().withSelector(SELECTOR).withTreatment(PUNT)
                                  .withPriority(10).fromApp(APP).makeTemporary(30)
                                  .withFlag(ForwardingObjective.Flag.VERSATILE).add());

        assertThat(added.getValue().isPermanent(), is(false));
        assertThat(added.getValue().timeout(), is(30));
    }

    @Test
    public void objectivesThePipelineCannotHonourFail() {
        initWithExistingGroup();

        pipeliner.forward(DefaultForwardingObjective.builder().withSelector(SELECTOR).nextStep(1)
                                  .withPriority(10).fromApp(APP).makePermanent()
                                  .withFlag(ForwardingObjective.Flag.VERSATILE).add(context()));
        pipeliner.filter(DefaultFilteringObjective.builder().withKey(
                org.onosproject.net.flow.criteria.Criteria.matchInPort(PortNumber.portNumber(1)))
                                 .addCondition(org.onosproject.net.flow.criteria.Criteria.matchEthType(0x800))
                                 .withPriority(1).fromApp(APP).makePermanent().permit().add(context()));
        pipeliner.next(DefaultNextObjective.builder().withId(1).withType(
                org.onosproject.net.flowobjective.NextObjective.Type.SIMPLE)
                               .addTreatment(PUNT).fromApp(APP).makePermanent().add(context()));

        assertThat(outcomes, contains("UNSUPPORTED", "UNSUPPORTED", "UNSUPPORTED"));
        verify(flowRules);
    }

    @Test
    public void forwardingOperationsOtherThanAddAndRemoveFail() {
        initWithExistingGroup();
        ForwardingObjective modify = createMock(ForwardingObjective.class);
        ObjectiveContext context = context();
        expect(modify.treatment()).andReturn(PUNT).anyTimes();
        expect(modify.selector()).andReturn(SELECTOR).anyTimes();
        expect(modify.priority()).andReturn(10).anyTimes();
        expect(modify.appId()).andReturn(APP).anyTimes();
        expect(modify.permanent()).andReturn(true).anyTimes();
        expect(modify.op()).andReturn(Objective.Operation.MODIFY).anyTimes();
        expect(modify.context()).andReturn(java.util.Optional.of(context)).anyTimes();
        replay(modify);

        pipeliner.forward(modify);

        assertThat(outcomes, contains("UNSUPPORTED"));
        verify(flowRules);
    }

    @Test
    public void purgeRemovesTheAppsRules() {
        flowRules.purgeFlowRules(DEVICE, APP);
        initWithExistingGroup();

        pipeliner.purgeAll(APP);

        verify(flowRules);
    }

    private void initWithExistingGroup() {
        expect(groups.getGroup(eq(DEVICE), anyObject()))
                .andReturn(createMock(org.onosproject.net.group.Group.class));
        replay(groups, core, flowRules);
        init();
    }

    private void init() {
        ServiceDirectory directory = createMock(ServiceDirectory.class);
        expect(directory.get(FlowRuleService.class)).andReturn(flowRules);
        expect(directory.get(GroupService.class)).andReturn(groups);
        expect(directory.get(CoreService.class)).andReturn(core);
        PipelinerContext context = createMock(PipelinerContext.class);
        expect(context.directory()).andReturn(directory).anyTimes();
        replay(directory, context);
        pipeliner.init(DEVICE, context);
    }

    private static DefaultForwardingObjective.Builder forwarding() {
        return DefaultForwardingObjective.builder().withSelector(SELECTOR).withTreatment(PUNT)
                .withPriority(40000).fromApp(APP).makePermanent().withFlag(ForwardingObjective.Flag.VERSATILE);
    }

    private ObjectiveContext context() {
        return new ObjectiveContext() {
            @Override
            public void onSuccess(Objective objective) {
                outcomes.add("success");
            }

            @Override
            public void onError(Objective objective, ObjectiveError error) {
                outcomes.add(error.name());
            }
        };
    }
}
