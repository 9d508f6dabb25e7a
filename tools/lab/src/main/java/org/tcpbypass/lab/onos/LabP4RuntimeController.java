package org.tcpbypass.lab.onos;

import org.onosproject.net.DeviceId;
import org.onosproject.net.pi.model.PiCounterType;
import org.onosproject.net.pi.model.PiPipeconf;
import org.onosproject.net.pi.runtime.PiCounterCell;
import org.onosproject.net.pi.runtime.PiCounterCellData;
import org.onosproject.net.pi.runtime.PiCounterCellHandle;
import org.onosproject.net.pi.runtime.PiCounterCellId;
import org.onosproject.net.pi.runtime.PiEntity;
import org.onosproject.net.pi.runtime.PiHandle;
import org.onosproject.p4runtime.api.P4RuntimeClient;
import org.onosproject.p4runtime.api.P4RuntimeController;
import org.onosproject.p4runtime.api.P4RuntimeReadClient;
import org.tcpbypass.lab.bmv2.SwitchControl;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * ONOS's P4Runtime controller for the lab's switch, as far as apps use it: a client whose read requests of counter
 * cells (direct ones, or one indirect counter's) go to the switch in one P4Runtime ReadRequest. The lab programs the
 * switch through its flow rule, group and packet services, so every other call is refused.
 */
public final class LabP4RuntimeController {

    private final DeviceId deviceId;
    private final long p4DeviceId;
    private final SwitchControl control;
    private final AtomicLong cellsRead = new AtomicLong();
    // Answers on threads of their own, as ONOS's client completes reads on gRPC's: the common pool has one thread
    // on two cores, and 32 concurrent releases queued their reads and withdrawals behind each other there.
    private final ExecutorService readers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "lab-p4runtime-read");
        t.setDaemon(true);
        return t;
    });

    /**
     * Creates the controller.
     *
     * @param deviceId   the switch
     * @param p4DeviceId its P4Runtime device id
     * @param control    its P4Runtime path
     */
    public LabP4RuntimeController(DeviceId deviceId, long p4DeviceId, SwitchControl control) {
        this.deviceId = deviceId;
        this.p4DeviceId = p4DeviceId;
        this.control = control;
    }

    /**
     * The direct counter cells read so far (indirect counters' cells are not counted).
     *
     * @return count
     */
    public long cellsRead() {
        return cellsRead.get();
    }

    /**
     * The controller as ONOS's service interface.
     *
     * @return the service
     */
    public P4RuntimeController service() {
        P4RuntimeClient client = proxy(P4RuntimeClient.class, (name, args) -> {
            if (!name.equals("read")) {
                throw new UnsupportedOperationException("the lab's P4Runtime client only reads: " + name);
            }
            if ((Long) args[0] != p4DeviceId) {
                throw new IllegalArgumentException("no P4Runtime device " + args[0] + " at " + deviceId);
            }
            return request((PiPipeconf) args[1]);
        });
        return proxy(P4RuntimeController.class, (name, args) -> {
            if (!name.equals("get")) {
                throw new UnsupportedOperationException("the lab's P4Runtime controller only has clients: " + name);
            }
            return deviceId.equals(args[0]) ? client : null;
        });
    }

    private P4RuntimeReadClient.ReadRequest request(PiPipeconf pipeconf) {
        List<PiHandle> handles = new ArrayList<>();
        P4RuntimeReadClient.ReadRequest[] self = new P4RuntimeReadClient.ReadRequest[1];
        self[0] = proxy(P4RuntimeReadClient.ReadRequest.class, (name, args) -> {
            switch (name) {
                case "handle":
                    handles.add((PiHandle) args[0]);
                    return self[0];
                case "handles":
                    ((Iterable<?>) args[0]).forEach(h -> handles.add((PiHandle) h));
                    return self[0];
                case "submit":
                    return CompletableFuture.supplyAsync(() -> read(handles), readers);
                case "submitSync":
                    return read(handles);
                default:
                    throw new UnsupportedOperationException("the lab reads direct counter cells only: " + name);
            }
        });
        return self[0];
    }

    // As ONOS's client answers a read: a failed request is a response that says why, not an exception. Either all
    // direct counter cells (one read) or cells of one indirect counter (its cells read at once).
    private P4RuntimeReadClient.ReadResponse read(List<PiHandle> handles) {
        try {
            List<PiCounterCellId> ids = new ArrayList<>();
            for (PiHandle h : handles) {
                if (!(h instanceof PiCounterCellHandle)) {
                    throw new UnsupportedOperationException("the lab reads counter cells only, and this is none: " + h);
                }
                ids.add(((PiCounterCellHandle) h).cellId());
            }
            List<PiEntity> cells = new ArrayList<>();
            if (ids.stream().allMatch(id -> id.counterType() == PiCounterType.DIRECT)) {
                List<PiCounterCellData> data = control.directCounters(
                        ids.stream().map(PiCounterCellId::tableEntry).collect(Collectors.toList()));
                for (int i = 0; i < ids.size(); i++) {
                    cells.add(new PiCounterCell(ids.get(i), data.get(i)));
                }
                cellsRead.addAndGet(cells.size());
            } else if (ids.stream().map(PiCounterCellId::counterId).distinct().count() == 1
                    && ids.stream().allMatch(id -> id.counterType() == PiCounterType.INDIRECT)) {
                int size = (int) ids.stream().mapToLong(PiCounterCellId::index).max().getAsLong() + 1;
                long[] packets = control.counterPackets(ids.get(0).counterId(), size);
                ids.forEach(id -> cells.add(new PiCounterCell(id, packets[(int) id.index()], 0)));
            } else {
                throw new UnsupportedOperationException("the lab reads direct counter cells or one indirect "
                                                                + "counter's at a time: " + ids);
            }
            return response(cells, null);
        } catch (RuntimeException e) {
            return response(List.of(), e.toString());
        }
    }

    private static P4RuntimeReadClient.ReadResponse response(List<PiEntity> entities, String explanation) {
        return new P4RuntimeReadClient.ReadResponse() {
            @Override
            public boolean isSuccess() {
                return explanation == null;
            }

            @Override
            public Collection<PiEntity> all() {
                return entities;
            }

            @Override
            public <E extends PiEntity> Collection<E> all(Class<E> clazz) {
                return entities.stream().filter(clazz::isInstance).map(clazz::cast).collect(Collectors.toList());
            }

            @Override
            public String explanation() {
                return explanation;
            }

            @Override
            public Throwable throwable() {
                return null;
            }
        };
    }

    private interface Handler {
        Object call(String method, Object[] args);
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, Handler handler) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
            if (m.getDeclaringClass() == Object.class) {
                return m.getName().equals("equals") ? p == args[0]
                        : m.getName().equals("hashCode") ? System.identityHashCode(p) : "lab " + type.getSimpleName();
            }
            return handler.call(m.getName(), args);
        });
    }
}
