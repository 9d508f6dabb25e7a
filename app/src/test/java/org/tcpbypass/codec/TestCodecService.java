package org.tcpbypass.codec;

import org.onosproject.codec.CodecService;
import org.onosproject.codec.JsonCodec;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * A codec service holding whatever is registered with it; ONOS's CodecManager is not on Maven Central.
 */
public class TestCodecService implements CodecService {

    private final Map<Class<?>, JsonCodec<?>> codecs = new HashMap<>();

    /**
     * Returns a codec service with tcp-bypass's codecs, registered by the real registrar.
     *
     * @return codec service
     */
    public static TestCodecService withBypassCodecs() {
        TestCodecService service = new TestCodecService();
        BypassCodecRegistrar registrar = new BypassCodecRegistrar();
        registrar.codecService = service;
        registrar.activate();
        return service;
    }

    @Override
    public Set<Class<?>> getCodecs() {
        return codecs.keySet();
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> JsonCodec<T> getCodec(Class<T> entityClass) {
        return (JsonCodec<T>) codecs.get(entityClass);
    }

    @Override
    public <T> void registerCodec(Class<T> entityClass, JsonCodec<T> codec) {
        codecs.put(entityClass, codec);
    }

    @Override
    public void unregisterCodec(Class<?> entityClass) {
        codecs.remove(entityClass);
    }
}
