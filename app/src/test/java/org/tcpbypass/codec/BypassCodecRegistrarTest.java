package org.tcpbypass.codec;

import com.google.common.collect.ImmutableSet;
import org.junit.Test;
import org.onosproject.codec.impl.CodecManager;
import org.tcpbypass.api.Attachment;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassStatistics;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.ConnectionReport;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.LegState;
import org.tcpbypass.api.OffloadRequest;
import org.tcpbypass.api.RegisteredProxy;
import org.tcpbypass.api.StateChange;
import org.tcpbypass.api.TcpEndpoint;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertTrue;

/**
 * Tests that the registrar registers every codec on activation and removes them on deactivation.
 */
public class BypassCodecRegistrarTest {

    @Test
    public void registersAndUnregistersEveryCodec() {
        CodecManager service = new CodecManager();
        BypassCodecRegistrar registrar = new BypassCodecRegistrar();
        registrar.codecService = service;

        registrar.activate();
        assertEquals(ImmutableSet.of(TcpEndpoint.class, Attachment.class, LegState.class, ConnectionTuple.class,
                                     OffloadRequest.class, ConnectionReport.class, StateChange.class,
                                     BypassTranslation.class, Bypass.class, RegisteredProxy.class,
                                     BypassStatistics.class),
                     service.getCodecs());
        assertTrue(service.getCodec(Bypass.class) instanceof BypassCodec);
        assertTrue(service.getCodec(OffloadRequest.class) instanceof OffloadRequestCodec);

        registrar.deactivate();
        assertTrue(service.getCodecs().isEmpty());
    }
}
