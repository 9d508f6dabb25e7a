package org.tcpbypass.codec;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.onosproject.codec.CodecContext;
import org.onosproject.codec.CodecService;
import org.onosproject.codec.JsonCodec;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * A codec context over tcp-bypass's codecs, with helpers to write expected JSON readably.
 */
public class TestCodecContext implements CodecContext {

    private final ObjectMapper mapper = new ObjectMapper();
    private final CodecService codecs = TestCodecService.withBypassCodecs();

    @Override
    public ObjectMapper mapper() {
        return mapper;
    }

    @Override
    public <T> JsonCodec<T> codec(Class<T> entityClass) {
        return codecs.getCodec(entityClass);
    }

    @Override
    public <T> T getService(Class<T> serviceClass) {
        throw new UnsupportedOperationException("codecs need no service");
    }

    /**
     * Returns JSON written with single quotes, e.g. {@code {'port':1}}, as compact JSON text.
     *
     * @param singleQuoted JSON with ' for "
     * @return JSON text
     */
    public static String json(String singleQuoted) {
        return singleQuoted.replace('\'', '"');
    }

    /**
     * Parses JSON written with single quotes.
     *
     * @param singleQuoted JSON with ' for "
     * @return JSON object
     */
    public ObjectNode object(String singleQuoted) {
        try {
            return (ObjectNode) mapper.readTree(json(singleQuoted));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads a JSON object from a test resource next to the given class.
     *
     * @param owner class whose package holds the resource
     * @param name  resource name
     * @return JSON object
     */
    public ObjectNode resource(Class<?> owner, String name) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no test resource " + name);
            }
            return (ObjectNode) mapper.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
