package org.tcpbypass.pipeconf;

import org.easymock.Capture;
import org.junit.Test;
import org.onosproject.net.behaviour.Pipeliner;
import org.onosproject.net.pi.model.PiPipeconf;
import org.onosproject.net.pi.model.PiPipelineInterpreter;
import org.onosproject.net.pi.service.PiPipeconfService;

import java.io.InputStream;

import static org.easymock.EasyMock.capture;
import static org.easymock.EasyMock.createMock;
import static org.easymock.EasyMock.newCapture;
import static org.easymock.EasyMock.replay;
import static org.easymock.EasyMock.reset;
import static org.easymock.EasyMock.verify;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;
import static org.onosproject.net.pi.model.PiPipeconf.ExtensionType.BMV2_JSON;
import static org.onosproject.net.pi.model.PiPipeconf.ExtensionType.P4_INFO_TEXT;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.BYPASS_TABLE;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.PIPECONF_ID;

public class PipeconfLoaderTest {

    @Test
    public void registersOnActivateAndUnregistersOnDeactivate() throws Exception {
        PiPipeconfService service = createMock(PiPipeconfService.class);
        Capture<PiPipeconf> registered = newCapture();
        service.register(capture(registered));
        replay(service);
        PipeconfLoader loader = new PipeconfLoader();
        loader.pipeconfService = service;

        loader.activate();

        verify(service);
        PiPipeconf pipeconf = registered.getValue();
        assertThat(pipeconf.id(), is(PIPECONF_ID));
        assertTrue(pipeconf.hasBehaviour(PiPipelineInterpreter.class));
        assertTrue(pipeconf.hasBehaviour(Pipeliner.class));
        assertThat(pipeconf.implementation(PiPipelineInterpreter.class).get(), is(BypassInterpreter.class));
        assertThat(pipeconf.implementation(Pipeliner.class).get(), is(AclPipeliner.class));
        assertTrue(pipeconf.pipelineModel().table(BYPASS_TABLE).isPresent());
        for (PiPipeconf.ExtensionType extension : new PiPipeconf.ExtensionType[] {BMV2_JSON, P4_INFO_TEXT}) {
            try (InputStream in = pipeconf.extension(extension).orElseThrow()) {
                assertThat(extension + " is empty", in.readAllBytes().length, greaterThan(0));
            }
        }

        reset(service);
        service.unregister(PIPECONF_ID);
        replay(service);

        loader.deactivate();

        verify(service);
    }
}
