package org.tcpbypass.lab.onos;

import org.onosproject.mastership.MastershipServiceAdapter;
import org.onosproject.net.DeviceId;

/**
 * A one-node cluster: this node masters every device.
 */
public final class LabMastershipService extends MastershipServiceAdapter {

    @Override
    public boolean isLocalMaster(DeviceId deviceId) {
        return true;
    }
}
