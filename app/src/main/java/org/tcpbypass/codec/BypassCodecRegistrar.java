package org.tcpbypass.codec;

import com.google.common.collect.ImmutableMap;
import org.onosproject.codec.CodecService;
import org.onosproject.codec.JsonCodec;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;
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

import java.util.Map;

/**
 * Registers tcp-bypass's JSON codecs with ONOS's codec service while the app is active, for the REST API, the
 * CLI's JSON output and the web UI.
 */
@Component(immediate = true)
public class BypassCodecRegistrar {

    private static final Map<Class<?>, JsonCodec<?>> CODECS = ImmutableMap.<Class<?>, JsonCodec<?>>builder()
            .put(TcpEndpoint.class, new TcpEndpointCodec())
            .put(Attachment.class, new AttachmentCodec())
            .put(LegState.class, new LegStateCodec())
            .put(ConnectionTuple.class, new ConnectionTupleCodec())
            .put(OffloadRequest.class, new OffloadRequestCodec())
            .put(ConnectionReport.class, new ConnectionReportCodec())
            .put(StateChange.class, new StateChangeCodec())
            .put(BypassTranslation.class, new BypassTranslationCodec())
            .put(Bypass.class, new BypassCodec())
            .put(RegisteredProxy.class, new RegisteredProxyCodec())
            .put(BypassStatistics.class, new BypassStatisticsCodec())
            .build();

    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected CodecService codecService;

    @Activate
    protected void activate() {
        CODECS.forEach((type, codec) -> register(codecService, type, codec));
    }

    @Deactivate
    protected void deactivate() {
        CODECS.keySet().forEach(codecService::unregisterCodec);
    }

    // The map pairs each class with its own codec, so the cast holds.
    @SuppressWarnings("unchecked")
    private static <T> void register(CodecService service, Class<T> type, JsonCodec<?> codec) {
        service.registerCodec(type, (JsonCodec<T>) codec);
    }
}
