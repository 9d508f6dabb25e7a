package org.tcpbypass.lab.onos;

import org.onosproject.core.ApplicationId;
import org.onosproject.core.GroupId;
import org.onosproject.net.DeviceId;
import org.onosproject.net.PortNumber;
import org.onosproject.net.flow.instructions.Instruction;
import org.onosproject.net.flow.instructions.Instructions;
import org.onosproject.net.group.DefaultGroup;
import org.onosproject.net.group.Group;
import org.onosproject.net.group.GroupBucket;
import org.onosproject.net.group.GroupDescription;
import org.onosproject.net.group.GroupKey;
import org.onosproject.net.group.GroupServiceAdapter;
import org.tcpbypass.lab.bmv2.SwitchControl;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * ONOS's group subsystem for BMv2, as far as a pipeline with clone sessions needs it: a CLONE group becomes a
 * clone session (a P4Runtime clone session entry, or BMv2's mirroring session over thrift) with the group id as
 * session id and its bucket's output port as egress;
 * CONTROLLER means the CPU port.
 */
public final class LabGroupService extends GroupServiceAdapter {

    private final DeviceId deviceId;
    private final SwitchControl control;
    private final long cpuPort;
    private final Map<GroupKey, Group> groups = new ConcurrentHashMap<>();

    /**
     * Creates the service.
     *
     * @param deviceId the switch
     * @param control  the switch
     * @param cpuPort  BMv2 port number of the CPU port
     */
    public LabGroupService(DeviceId deviceId, SwitchControl control, long cpuPort) {
        this.deviceId = deviceId;
        this.control = control;
        this.cpuPort = cpuPort;
    }

    @Override
    public void addGroup(GroupDescription d) {
        if (!d.deviceId().equals(deviceId) || d.type() != GroupDescription.Type.CLONE || d.givenGroupId() == null) {
            throw new IllegalArgumentException("the lab supports CLONE groups with a given id on " + deviceId
                                                       + " only: " + d);
        }
        if (d.buckets().buckets().size() != 1) {
            throw new IllegalArgumentException("BMv2 clone sessions have one egress port, got "
                                                       + d.buckets().buckets().size() + " buckets");
        }
        control.addCloneSession(d.givenGroupId(), egress(d.buckets().buckets().get(0)));
        DefaultGroup group = new DefaultGroup(GroupId.valueOf(d.givenGroupId()), d);
        group.setState(Group.GroupState.ADDED);
        groups.put(d.appCookie(), group);
    }

    private long egress(GroupBucket bucket) {
        for (Instruction i : bucket.treatment().allInstructions()) {
            if (i instanceof Instructions.OutputInstruction) {
                PortNumber p = ((Instructions.OutputInstruction) i).port();
                return p.equals(PortNumber.CONTROLLER) ? cpuPort : p.toLong();
            }
        }
        throw new IllegalArgumentException("clone bucket has no output: " + bucket);
    }

    @Override
    public Group getGroup(DeviceId device, GroupKey key) {
        return device.equals(deviceId) ? groups.get(key) : null;
    }

    @Override
    public Iterable<Group> getGroups(DeviceId device) {
        return device.equals(deviceId) ? List.copyOf(groups.values()) : List.of();
    }

    @Override
    public Iterable<Group> getGroups(DeviceId device, ApplicationId appId) {
        return groups.values().stream().filter(g -> device.equals(deviceId) && appId.equals(g.appId()))
                .collect(Collectors.toList());
    }
}
