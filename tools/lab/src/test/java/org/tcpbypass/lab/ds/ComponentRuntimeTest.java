package org.tcpbypass.lab.ds;

import org.junit.Test;
import org.onosproject.net.pi.model.PiPipeconf;
import org.onosproject.net.pi.service.PiPipeconfService;
import org.tcpbypass.lab.onos.LabPipeconfService;

import java.util.List;
import java.util.Map;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasEntry;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;
import static org.junit.Assume.assumeTrue;
import static org.tcpbypass.pipeconf.BypassPipelineConstants.PIPECONF_ID;

/**
 * The DS stand-in reads the project's real bundles' component descriptors and wires them like Felix SCR.
 */
public class ComponentRuntimeTest {

    @Test
    public void appComponentsStayUnsatisfiedWithoutTheServicesTheyReference() {
        try (ComponentRuntime runtime = new ComponentRuntime()) {
            List<String> activated = runtime.activateBundles("org.tcpbypass.tcp-bypass-app");
            assertEquals("nothing can start without ONOS services", List.of(), activated);
            Map<String, String> unsatisfied = runtime.unsatisfied();
            assertThat(unsatisfied, hasEntry("org.tcpbypass.impl.DistributedBypassStore",
                                             "org.onosproject.store.service.StorageService"));
            assertThat(unsatisfied.keySet(), hasItem("org.tcpbypass.impl.BypassManager"));
        }
    }

    @Test
    public void pipeconfLoaderRegistersThePipeconfThroughItsReference() {
        assumeTrue("skipped: the pipeconf bundle carries no compiled pipeline yet",
                   getClass().getResource("/p4c-out/bmv2/tcp_bypass_p4info.txt") != null);
        LabPipeconfService pipeconfs = new LabPipeconfService();
        try (ComponentRuntime runtime = new ComponentRuntime()) {
            runtime.register(PiPipeconfService.class, pipeconfs);
            assertThat(runtime.activateBundles("org.tcpbypass.tcp-bypass-pipeconf"),
                       is(List.of("org.tcpbypass.pipeconf.PipeconfLoader")));
            PiPipeconf pc = pipeconfs.getPipeconf(PIPECONF_ID).orElseThrow();
            assertThat(pc.pipelineModel().tables().isEmpty(), is(false));
        }
        assertThat("deactivate unregistered it", pipeconfs.getPipeconf(PIPECONF_ID).isPresent(), is(false));
    }

    @Test
    public void unknownServiceLookupFailsWithItsName() {
        try (ComponentRuntime runtime = new ComponentRuntime()) {
            try {
                runtime.get(PiPipeconfService.class);
                fail("an unregistered service was found");
            } catch (RuntimeException e) {
                assertThat(e.getMessage(), is("Service org.onosproject.net.pi.service.PiPipeconfService not found"));
            }
        }
    }
}
