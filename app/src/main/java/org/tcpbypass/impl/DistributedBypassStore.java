package org.tcpbypass.impl;

import org.onosproject.store.AbstractStore;
import org.onosproject.store.service.AtomicCounter;
import org.onosproject.store.service.ConsistentMap;
import org.onosproject.store.service.MapEvent;
import org.onosproject.store.service.MapEventListener;
import org.onosproject.store.service.Serializer;
import org.onosproject.store.service.StorageException;
import org.onosproject.store.service.StorageService;
import org.onosproject.store.service.Versioned;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassEvent;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassStore;
import org.tcpbypass.api.BypassStoreDelegate;
import org.tcpbypass.api.TcpEndpoint;

import java.util.Collection;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * Bypass records in consistent maps. Consistent rather than eventually consistent because two instances must
 * never both offload one connection: claiming a leg is a linearizable put-if-absent, and every record change is a
 * compare-and-set on its version, so concurrent intent events and releases cannot lose a transition. Claiming an
 * idempotency key is a put-if-absent too, so a request and its retry on two instances make one record.
 */
@Component(immediate = true, service = BypassStore.class)
public class DistributedBypassStore extends AbstractStore<BypassEvent, BypassStoreDelegate> implements BypassStore {

    private static final int MAX_ATTEMPTS = 16;

    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected StorageService storageService;

    private ConsistentMap<BypassId, Bypass> records;
    private ConsistentMap<Leg, BypassId> liveLegs;
    private ConsistentMap<IdempotencyKey, BypassId> idempotencyKeys;
    private AtomicCounter ids;
    private Set<Leg> absentLastSweep = new HashSet<>();
    private final MapEventListener<BypassId, Bypass> recordListener = this::recordChanged;

    @Activate
    protected void activate() {
        Serializer serializer = Serializer.using(BypassSerializers.NAMESPACE);
        records = storageService.<BypassId, Bypass>consistentMapBuilder()
                .withName("tcp-bypass-records").withSerializer(serializer).build();
        liveLegs = storageService.<Leg, BypassId>consistentMapBuilder()
                .withName("tcp-bypass-live-legs").withSerializer(serializer).build();
        idempotencyKeys = storageService.<IdempotencyKey, BypassId>consistentMapBuilder()
                .withName("tcp-bypass-idempotency-keys").withSerializer(serializer).build();
        ids = storageService.getAtomicCounter("tcp-bypass-ids");
        records.addListener(recordListener);
    }

    @Deactivate
    protected void deactivate() {
        records.removeListener(recordListener);
    }

    @Override
    public BypassId nextId() {
        return BypassId.of(ids.incrementAndGet());
    }

    @Override
    public Optional<BypassId> create(Bypass bypass) {
        Leg client = Leg.clientLeg(bypass.tuple());
        Versioned<BypassId> holder = liveLegs.putIfAbsent(client, bypass.id());
        if (holder != null) {
            return Optional.of(holder.value());
        }
        holder = liveLegs.putIfAbsent(Leg.serverLeg(bypass.tuple()), bypass.id());
        if (holder != null) {
            liveLegs.remove(client, bypass.id());
            return Optional.of(holder.value());
        }
        records.put(bypass.id(), bypass);
        return Optional.empty();
    }

    @Override
    public Optional<Bypass> update(BypassId id, UnaryOperator<Bypass> change) {
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Versioned<Bypass> current = records.get(id);
            if (current == null) {
                return Optional.empty();
            }
            Bypass next = change.apply(current.value());
            if (next == current.value()) {
                return Optional.of(next);
            }
            if (records.replace(id, current.version(), next)) {
                if (next.state().isFinal()) {
                    freeLegs(next);
                }
                return Optional.of(next);
            }
        }
        throw new StorageException.ConcurrentModification();
    }

    @Override
    public Optional<Bypass> remove(BypassId id) {
        Versioned<Bypass> removed = records.remove(id);
        if (removed == null) {
            return Optional.empty();
        }
        Bypass record = removed.value();
        freeLegs(record);
        record.idempotencyKey().ifPresent(key -> releaseIdempotencyKey(record.proxy(), key, id));
        return Optional.of(record);
    }

    @Override
    public Optional<BypassId> claimIdempotencyKey(String proxy, String key, BypassId id) {
        return Optional.ofNullable(Versioned.valueOrNull(
                idempotencyKeys.putIfAbsent(IdempotencyKey.of(proxy, key), id)));
    }

    @Override
    public void releaseIdempotencyKey(String proxy, String key, BypassId id) {
        idempotencyKeys.remove(IdempotencyKey.of(proxy, key), id);
    }

    @Override
    public Optional<BypassId> idempotencyKeyHolder(String proxy, String key) {
        return Optional.ofNullable(Versioned.valueOrNull(idempotencyKeys.get(IdempotencyKey.of(proxy, key))));
    }

    @Override
    public Optional<Bypass> get(BypassId id) {
        return Optional.ofNullable(Versioned.valueOrNull(records.get(id)));
    }

    @Override
    public Optional<Bypass> liveByLeg(TcpEndpoint a, TcpEndpoint b) {
        Versioned<BypassId> id = liveLegs.get(Leg.of(a, b));
        return id == null ? Optional.empty() : get(id.value()).filter(r -> !r.state().isFinal());
    }

    @Override
    public Collection<Bypass> all() {
        return records.values().stream().map(Versioned::value).collect(Collectors.toList());
    }

    /**
     * Removes index entries whose record is final, or absent in this sweep and the one before: an instance that
     * failed between claiming the legs and storing the record, or between ending it and freeing them, leaves
     * such entries. (A record being created is absent for a moment, never for a whole sweep period.)
     *
     * @return number of entries removed
     */
    @Override
    public int sweepLegs() {
        int removed = 0;
        Set<Leg> absent = new HashSet<>();
        for (var entry : liveLegs.entrySet()) {
            BypassId id = entry.getValue().value();
            Optional<Bypass> record = get(id);
            boolean orphan = record.isEmpty() && !absentLastSweep.contains(entry.getKey());
            if (orphan) {
                absent.add(entry.getKey());
            } else if ((record.isEmpty() || record.get().state().isFinal()) && liveLegs.remove(entry.getKey(), id)) {
                removed++;
            }
        }
        absentLastSweep = absent;
        return removed;
    }

    private void freeLegs(Bypass bypass) {
        liveLegs.remove(Leg.clientLeg(bypass.tuple()), bypass.id());
        liveLegs.remove(Leg.serverLeg(bypass.tuple()), bypass.id());
    }

    private void recordChanged(MapEvent<BypassId, Bypass> event) {
        switch (event.type()) {
            case INSERT:
                notifyDelegate(new BypassEvent(BypassEvent.Type.ADDED, event.newValue().value()));
                break;
            case UPDATE:
                Bypass before = event.oldValue().value();
                Bypass after = event.newValue().value();
                notifyDelegate(new BypassEvent(before.state() == after.state()
                                                       ? BypassEvent.Type.COUNTERS_UPDATED
                                                       : BypassEvent.Type.STATE_CHANGED, after));
                break;
            case REMOVE:
                if (event.oldValue() == null) {
                    break;
                }
                notifyDelegate(new BypassEvent(BypassEvent.Type.REMOVED, event.oldValue().value()));
                break;
            default:
                break;
        }
    }
}
