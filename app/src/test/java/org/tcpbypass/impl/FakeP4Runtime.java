package org.tcpbypass.impl;

import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.DeviceId;
import org.onosproject.net.flow.FlowRule;
import org.onosproject.net.flow.criteria.Criterion;
import org.onosproject.net.flow.criteria.IPCriterion;
import org.onosproject.net.flow.criteria.TcpPortCriterion;
import org.onosproject.net.flow.instructions.PiInstruction;
import org.onosproject.net.pi.model.PiMatchFieldId;
import org.onosproject.net.pi.model.PiPipeconf;
import org.onosproject.net.pi.model.PiTableId;
import org.onosproject.net.pi.runtime.PiEntity;
import org.onosproject.net.pi.runtime.PiExactFieldMatch;
import org.onosproject.net.pi.runtime.PiHandle;
import org.onosproject.net.pi.runtime.PiMatchKey;
import org.onosproject.net.pi.runtime.PiTableAction;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.onosproject.net.pi.service.PiFlowRuleTranslator;
import org.onosproject.net.pi.service.PiGroupTranslator;
import org.onosproject.net.pi.service.PiMeterTranslator;
import org.onosproject.net.pi.service.PiReplicationGroupTranslator;
import org.onosproject.net.pi.service.PiTranslatedEntity;
import org.onosproject.net.pi.service.PiTranslationException;
import org.onosproject.net.pi.service.PiTranslationService;
import org.onosproject.p4runtime.api.P4RuntimeClient;
import org.onosproject.p4runtime.api.P4RuntimeController;
import org.onosproject.p4runtime.api.P4RuntimeReadClient;
import org.tcpbypass.pipeconf.BypassInterpreter;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * ONOS's P4Runtime controller with one switch, whose read requests a test answers, and a flow rule translator that
 * turns the app's bypass-table rules into table entries as ONOS's does.
 */
final class FakeP4Runtime {

    /** One read request as the app sent it. */
    static final class Read {
        final long p4DeviceId;
        final PiPipeconf pipeconf;
        final List<PiHandle> handles = new ArrayList<>();

        Read(long p4DeviceId, PiPipeconf pipeconf) {
            this.p4DeviceId = p4DeviceId;
            this.pipeconf = pipeconf;
        }
    }

    final List<Read> reads = new CopyOnWriteArrayList<>();
    private final DeviceId device;
    volatile Function<Read, CompletableFuture<P4RuntimeReadClient.ReadResponse>> answer;

    FakeP4Runtime(DeviceId device, Function<Read, CompletableFuture<P4RuntimeReadClient.ReadResponse>> answer) {
        this.device = device;
        this.answer = answer;
    }

    /** The controller: a client for the switch, none for any other device. */
    P4RuntimeController controller() {
        P4RuntimeClient client = proxy(P4RuntimeClient.class, (name, args) -> {
            if (!name.equals("read")) {
                throw new UnsupportedOperationException(name);
            }
            Read read = new Read((Long) args[0], (PiPipeconf) args[1]);
            reads.add(read);
            return request(read);
        });
        return proxy(P4RuntimeController.class, (name, args) -> {
            if (!name.equals("get")) {
                throw new UnsupportedOperationException(name);
            }
            return device.equals(args[0]) ? client : null;
        });
    }

    private P4RuntimeReadClient.ReadRequest request(Read read) {
        P4RuntimeReadClient.ReadRequest[] self = new P4RuntimeReadClient.ReadRequest[1];
        self[0] = proxy(P4RuntimeReadClient.ReadRequest.class, (name, args) -> {
            switch (name) {
                case "handles":
                    ((Iterable<?>) args[0]).forEach(h -> read.handles.add((PiHandle) h));
                    return self[0];
                case "submit":
                    return answer.apply(read);
                case "submitSync":
                    return answer.apply(read).join();
                default:
                    throw new UnsupportedOperationException(name);
            }
        });
        return self[0];
    }

    /** A read response carrying {@code entities}, or a failed one when {@code explanation} is not null. */
    static P4RuntimeReadClient.ReadResponse response(Collection<? extends PiEntity> entities, String explanation) {
        return new P4RuntimeReadClient.ReadResponse() {
            @Override
            public boolean isSuccess() {
                return explanation == null;
            }

            @Override
            public Collection<PiEntity> all() {
                return List.copyOf(entities);
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

    /**
     * The entry ONOS's translator makes of one of the app's bypass-table rules: its PI table, each criterion as an
     * exact match on the field the pipeconf's interpreter maps it to (addresses and ports at their width), its PI
     * action.
     */
    static PiTableEntry translate(FlowRule rule) throws PiTranslationException {
        if (!(rule.table() instanceof PiTableId)) {
            throw new PiTranslationException("not a PI table: " + rule.table());
        }
        PiMatchKey.Builder key = PiMatchKey.builder();
        for (Criterion c : rule.selector().criteria()) {
            PiMatchFieldId field = INTERPRETER.mapCriterionType(c.type())
                    .orElseThrow(() -> new PiTranslationException("unmapped criterion " + c));
            byte[] value;
            if (c instanceof IPCriterion) {
                value = ((IPCriterion) c).ip().address().toOctets();
            } else if (c instanceof TcpPortCriterion) {
                int port = ((TcpPortCriterion) c).tcpPort().toInt();
                value = new byte[] {(byte) (port >> 8), (byte) port};
            } else {
                throw new PiTranslationException("unexpected criterion " + c);
            }
            key.addFieldMatch(new PiExactFieldMatch(field, ImmutableByteSequence.copyFrom(value)));
        }
        PiTableAction action = rule.treatment().allInstructions().stream()
                .filter(i -> i instanceof PiInstruction).map(i -> ((PiInstruction) i).action()).findFirst()
                .orElseThrow(() -> new PiTranslationException("no PI action: " + rule));
        return PiTableEntry.builder().forTable((PiTableId) rule.table()).withMatchKey(key.build())
                .withAction(action).withCookie(rule.id().value()).build();
    }

    private static final BypassInterpreter INTERPRETER = new BypassInterpreter();

    static final PiTranslationService TRANSLATION = new PiTranslationService() {
        @Override
        public PiFlowRuleTranslator flowRuleTranslator() {
            return new PiFlowRuleTranslator() {
                @Override
                public PiTableEntry translate(FlowRule rule, PiPipeconf pipeconf) throws PiTranslationException {
                    return FakeP4Runtime.translate(rule);
                }

                @Override
                public void learn(PiHandle handle, PiTranslatedEntity<FlowRule, PiTableEntry> entity) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public Optional<PiTranslatedEntity<FlowRule, PiTableEntry>> lookup(PiHandle handle) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void forget(PiHandle handle) {
                    throw new UnsupportedOperationException();
                }
            };
        }

        @Override
        public PiGroupTranslator groupTranslator() {
            throw new UnsupportedOperationException();
        }

        @Override
        public PiMeterTranslator meterTranslator() {
            throw new UnsupportedOperationException();
        }

        @Override
        public PiReplicationGroupTranslator replicationGroupTranslator() {
            throw new UnsupportedOperationException();
        }
    };

    private interface Handler {
        Object call(String method, Object[] args) throws Exception;
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<T> type, Handler handler) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
            if (m.getDeclaringClass() == Object.class) {
                return m.getName().equals("equals") ? p == args[0]
                        : m.getName().equals("hashCode") ? System.identityHashCode(p) : type.getSimpleName();
            }
            return handler.call(m.getName(), args);
        });
    }
}
