package org.tcpbypass.lab.onos;

import org.onosproject.net.DeviceId;
import org.onosproject.net.pi.PiPipeconfServiceAdapter;
import org.onosproject.net.pi.model.PiPipeconf;
import org.onosproject.net.pi.model.PiPipeconfId;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ONOS's pipeconf registry: pipeconf bundles register here; the lab binds its switch to one of them, as the
 * netcfg "piPipeconf" entry of a BMv2 device does.
 */
public final class LabPipeconfService extends PiPipeconfServiceAdapter {

    private final Map<PiPipeconfId, PiPipeconf> pipeconfs = new ConcurrentHashMap<>();
    private final Map<DeviceId, PiPipeconfId> bindings = new ConcurrentHashMap<>();

    @Override
    public void register(PiPipeconf pipeconf) {
        if (pipeconfs.putIfAbsent(pipeconf.id(), pipeconf) != null) {
            throw new IllegalStateException("pipeconf " + pipeconf.id() + " is already registered");
        }
    }

    @Override
    public void unregister(PiPipeconfId id) {
        if (pipeconfs.remove(id) == null) {
            throw new IllegalStateException("pipeconf " + id + " is not registered");
        }
    }

    @Override
    public Iterable<PiPipeconf> getPipeconfs() {
        return pipeconfs.values();
    }

    @Override
    public Optional<PiPipeconf> getPipeconf(PiPipeconfId id) {
        return Optional.ofNullable(pipeconfs.get(id));
    }

    @Override
    public Optional<PiPipeconf> getPipeconf(DeviceId deviceId) {
        return ofDevice(deviceId).flatMap(this::getPipeconf);
    }

    @Override
    public void bindToDevice(PiPipeconfId id, DeviceId deviceId) {
        bindings.put(deviceId, id);
    }

    @Override
    public Optional<PiPipeconfId> ofDevice(DeviceId deviceId) {
        return Optional.ofNullable(bindings.get(deviceId));
    }
}
