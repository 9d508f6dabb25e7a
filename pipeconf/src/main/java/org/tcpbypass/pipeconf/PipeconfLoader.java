package org.tcpbypass.pipeconf;

import org.onosproject.net.behaviour.Pipeliner;
import org.onosproject.net.pi.model.DefaultPiPipeconf;
import org.onosproject.net.pi.model.PiPipeconf;
import org.onosproject.net.pi.model.PiPipelineInterpreter;
import org.onosproject.net.pi.service.PiPipeconfService;
import org.onosproject.p4runtime.model.P4InfoParser;
import org.onosproject.p4runtime.model.P4InfoParserException;
import org.osgi.service.component.annotations.Activate;
import org.osgi.service.component.annotations.Component;
import org.osgi.service.component.annotations.Deactivate;
import org.osgi.service.component.annotations.Reference;
import org.osgi.service.component.annotations.ReferenceCardinality;

import java.net.URL;

import static com.google.common.base.Preconditions.checkState;
import static org.onosproject.net.pi.model.PiPipeconf.ExtensionType.BMV2_JSON;
import static org.onosproject.net.pi.model.PiPipeconf.ExtensionType.P4_INFO_TEXT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.PIPECONF_ID;

/**
 * Registers the tcp-bypass pipeconf with ONOS while the bundle is active.
 */
@Component(immediate = true)
public class PipeconfLoader {

    /** Compiled pipeline in the bundle (p4src/Makefile writes it). */
    static final String BMV2_JSON_PATH = "/p4c-out/bmv2/tcp_bypass.json";
    static final String P4INFO_PATH = "/p4c-out/bmv2/tcp_bypass_p4info.txt";

    @Reference(cardinality = ReferenceCardinality.MANDATORY)
    protected PiPipeconfService pipeconfService;

    @Activate
    protected void activate() {
        pipeconfService.register(buildPipeconf());
    }

    @Deactivate
    protected void deactivate() {
        pipeconfService.unregister(PIPECONF_ID);
    }

    /**
     * Returns the tcp-bypass pipeconf: the pipeline model from the bundled P4Info, the BMv2 JSON and P4Info
     * extensions, the interpreter and the pipeliner.
     *
     * @return pipeconf
     * @throws IllegalStateException if the bundled pipeline is missing or its P4Info does not parse
     */
    public static PiPipeconf buildPipeconf() {
        URL json = PipeconfLoader.class.getResource(BMV2_JSON_PATH);
        URL p4Info = PipeconfLoader.class.getResource(P4INFO_PATH);
        checkState(json != null && p4Info != null, "Compiled pipeline missing from the bundle: %s, %s",
                BMV2_JSON_PATH, P4INFO_PATH);
        try {
            return DefaultPiPipeconf.builder()
                    .withId(PIPECONF_ID)
                    .withPipelineModel(P4InfoParser.parse(p4Info))
                    .addBehaviour(PiPipelineInterpreter.class, BypassInterpreter.class)
                    .addBehaviour(Pipeliner.class, AclPipeliner.class)
                    .addExtension(P4_INFO_TEXT, p4Info)
                    .addExtension(BMV2_JSON, json)
                    .build();
        } catch (P4InfoParserException e) {
            throw new IllegalStateException("Bundled P4Info does not parse: " + e.getMessage(), e);
        }
    }
}
