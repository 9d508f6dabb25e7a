package org.tcpbypass.codec;

import org.onosproject.codec.CodecService;
import org.onosproject.codec.impl.CodecManager;

/**
 * The codec service the tests use: ONOS's own CodecManager, as in a running ONOS.
 */
public final class TestCodecService {

    private TestCodecService() {
    }

    /**
     * Returns ONOS's codec manager with ONOS's codecs and tcp-bypass's, the latter registered by the real
     * registrar.
     *
     * @return codec service
     */
    public static CodecService withBypassCodecs() {
        CodecManager service = new CodecManager();
        service.activate();
        BypassCodecRegistrar registrar = new BypassCodecRegistrar();
        registrar.codecService = service;
        registrar.activate();
        return service;
    }
}
