package org.tcpbypass.lab.onos;

import org.onosproject.codec.CodecService;
import org.onosproject.codec.JsonCodec;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * ONOS's codec registry: apps register their JSON codecs; REST resources look them up by entity class.
 */
public final class LabCodecService implements CodecService {

    private final Map<Class<?>, JsonCodec<?>> codecs = new ConcurrentHashMap<>();

    @Override
    public Set<Class<?>> getCodecs() {
        return Set.copyOf(codecs.keySet());
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> JsonCodec<T> getCodec(Class<T> entityClass) {
        return (JsonCodec<T>) codecs.get(entityClass);
    }

    @Override
    public <T> void registerCodec(Class<T> entityClass, JsonCodec<T> codec) {
        codecs.putIfAbsent(entityClass, codec);
    }

    @Override
    public void unregisterCodec(Class<?> entityClass) {
        codecs.remove(entityClass);
    }
}
