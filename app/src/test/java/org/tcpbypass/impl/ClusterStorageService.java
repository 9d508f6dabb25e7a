package org.tcpbypass.impl;

import org.onosproject.store.primitives.AsyncAtomicCounterAdapter;
import org.onosproject.store.service.AsyncAtomicCounter;
import org.onosproject.store.service.AsyncConsistentMap;
import org.onosproject.store.service.AtomicCounterBuilder;
import org.onosproject.store.service.ConsistentMap;
import org.onosproject.store.service.ConsistentMapBuilder;
import org.onosproject.store.service.TestConsistentMap;
import org.onosproject.store.service.TestStorageService;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ONOS's test storage service, but primitives of the same name are shared, as they are across a cluster: stores
 * built on one instance of this behave like the same store on several ONOS instances.
 */
final class ClusterStorageService extends TestStorageService {

    private final Map<String, ConsistentMap<?, ?>> maps = new ConcurrentHashMap<>();
    private final Map<String, AsyncAtomicCounter> counters = new ConcurrentHashMap<>();

    @Override
    public <K, V> ConsistentMapBuilder<K, V> consistentMapBuilder() {
        return new ConsistentMapBuilder<>() {
            @Override
            @SuppressWarnings("unchecked")
            public ConsistentMap<K, V> build() {
                return (ConsistentMap<K, V>) maps.computeIfAbsent(name(), n -> {
                    ConsistentMapBuilder<K, V> builder = TestConsistentMap.builder();
                    builder.withName(n);
                    builder.withSerializer(serializer());
                    return builder.build();
                });
            }

            @Override
            public AsyncConsistentMap<K, V> buildAsyncMap() {
                throw new UnsupportedOperationException("async maps");
            }
        };
    }

    @Override
    public AtomicCounterBuilder atomicCounterBuilder() {
        return new AtomicCounterBuilder() {
            @Override
            public AsyncAtomicCounter build() {
                return counters.computeIfAbsent(name(), n -> AsyncAtomicCounterAdapter.builder().build());
            }
        };
    }

    /**
     * Returns a shared map, as a store built it.
     *
     * @param name map name
     * @return the map
     */
    @SuppressWarnings("unchecked")
    <K, V> ConsistentMap<K, V> map(String name) {
        return (ConsistentMap<K, V>) maps.get(name);
    }
}
