package org.tcpbypass.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.test.JerseyTest;
import org.glassfish.jersey.test.TestProperties;
import org.glassfish.jersey.test.jetty.JettyTestContainerFactory;
import org.glassfish.jersey.test.spi.TestContainerFactory;
import org.junit.After;
import org.junit.Before;
import org.onlab.junit.TestUtils;
import org.onlab.osgi.TestServiceDirectory;
import org.onlab.rest.AuthorizationFilter;
import org.onlab.rest.BaseResource;
import org.onosproject.codec.CodecService;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.codec.TestCodecContext;
import org.tcpbypass.codec.TestCodecService;

import javax.ws.rs.core.Response;
import java.io.IOException;
import java.io.UncheckedIOException;

import static org.easymock.EasyMock.createStrictMock;
import static org.easymock.EasyMock.verify;
import static org.junit.Assert.assertEquals;

/**
 * Runs tcp-bypass's REST application in Jetty, as ONOS's ResourceTest does, over a strict mock of the bypass
 * service and the real codecs. ONOS's ResourceTest itself cannot be used: onos-rest ships its classes under
 * WEB-INF/classes, out of a test class path's reach.
 */
public abstract class BypassResourceTest extends JerseyTest {

    protected final TestCodecContext codecs = new TestCodecContext();
    protected BypassService service;

    /**
     * Creates a test of the tcp-bypass web application on a free port.
     */
    protected BypassResourceTest() {
        super(ResourceConfig.forApplicationClass(BypassWebApplication.class));
        set(TestProperties.CONTAINER_PORT, 0);
        AuthorizationFilter.disableForTests();
    }

    @Override
    protected TestContainerFactory getTestContainerFactory() {
        return new JettyTestContainerFactory();
    }

    @Before
    public void setUpServices() throws Exception {
        service = createStrictMock(BypassService.class);
        TestServiceDirectory directory = new TestServiceDirectory()
                .add(BypassService.class, service)
                .add(CodecService.class, TestCodecService.withBypassCodecs());
        TestUtils.setField(BaseResource.class, "services", directory);
    }

    @After
    public void verifyService() {
        verify(service);
    }

    /**
     * Returns a response's JSON body.
     *
     * @param response response
     * @return body
     */
    protected static ObjectNode body(Response response) {
        try {
            return (ObjectNode) new ObjectMapper().readTree(response.readEntity(String.class));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Asserts that a response is ONOS's error body with the given status and message.
     *
     * @param status   expected HTTP status
     * @param message  expected message
     * @param response response
     */
    protected static void assertError(int status, String message, Response response) {
        assertEquals(status, response.getStatus());
        assertEquals(codecsJson(status, message), body(response));
    }

    private static ObjectNode codecsJson(int status, String message) {
        return new ObjectMapper().createObjectNode().put("code", status).put("message", message);
    }
}
