package org.tcpbypass.lab.onos;

import org.junit.AfterClass;
import org.junit.BeforeClass;
import org.junit.Test;
import org.onlab.osgi.ServiceDirectory;
import org.onlab.rest.BaseResource;

import javax.ws.rs.GET;
import javax.ws.rs.Path;
import javax.ws.rs.Produces;
import javax.ws.rs.core.Application;
import javax.ws.rs.core.Context;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.SecurityContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Set;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.Assert.assertEquals;

/**
 * The lab's web container as ONOS's: the app's resources under its context path only, HTTP basic authentication
 * with ONOS's default user, resources finding services through BaseResource, answers without Nagle's delay.
 */
public class WebServerTest {

    private static final String AUTHORIZATION = "Basic " + Base64.getEncoder().encodeToString(
            (WebServer.USER + ":" + WebServer.PASSWORD).getBytes(StandardCharsets.UTF_8));

    private static WebServer server;
    private static URI base;
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /** A resource of the app's kind: looks a service up through BaseResource and reports who asked. */
    @Path("probe")
    public static final class ProbeResource extends BaseResource {
        @Context
        private SecurityContext security;

        @GET
        @Produces(MediaType.TEXT_PLAIN)
        public String probe() {
            return get(CharSequence.class) + " for " + security.getUserPrincipal().getName() + ", admin "
                    + security.isUserInRole("admin") + ", " + security.getAuthenticationScheme();
        }
    }

    private static final class ProbeApplication extends Application {
        @Override
        public Set<Class<?>> getClasses() {
            return Set.of(ProbeResource.class);
        }
    }

    @BeforeClass
    public static void start() {
        ServiceDirectory services = new ServiceDirectory() {
            @Override
            public <T> T get(Class<T> serviceClass) {
                return serviceClass.cast(serviceClass == CharSequence.class ? "the lab's service" : null);
            }
        };
        server = WebServer.start(new ProbeApplication(), URI.create("http://127.0.0.1:0/onos/tcp-bypass/"), services);
        base = URI.create("http://127.0.0.1:" + server.port() + "/");
    }

    @AfterClass
    public static void stop() {
        server.close();
    }

    private static HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    public void servesTheAppsResourcesUnderItsContextPathToOnosDefaultUser() throws Exception {
        HttpResponse<String> answer = get("onos/tcp-bypass/probe", AUTHORIZATION);
        assertEquals(200, answer.statusCode());
        assertEquals("the lab's service for onos, admin true, BASIC", answer.body());
    }

    @Test
    public void refusesRequestsWithoutOrWithWrongCredentialsAsKarafsRealm() throws Exception {
        String wrong = "Basic " + Base64.getEncoder().encodeToString("onos:wrong".getBytes(StandardCharsets.UTF_8));
        for (String authorization : Arrays.asList(null, wrong)) {
            HttpResponse<String> answer = get("onos/tcp-bypass/probe", authorization);
            assertEquals(401, answer.statusCode());
            assertEquals("Basic realm=\"karaf\"", answer.headers().firstValue("WWW-Authenticate").orElse(""));
        }
    }

    @Test
    public void servesNothingOutsideTheContextPath() throws Exception {
        assertEquals(404, get("probe", AUTHORIZATION).statusCode());
        assertEquals(404, get("onos/other/probe", AUTHORIZATION).statusCode());
    }

    // Headers and body leave in two writes; with Nagle's algorithm the second waits for the client's delayed ACK of
    // the first (40 ms on Linux). ONOS's Jetty sets TCP_NODELAY, and so must the lab's.
    @Test
    public void answersKeepAliveRequestsWithoutNaglesDelay() throws Exception {
        get("onos/tcp-bypass/probe", AUTHORIZATION);
        long[] nanos = new long[21];
        for (int i = 0; i < nanos.length; i++) {
            long t0 = System.nanoTime();
            assertEquals(200, get("onos/tcp-bypass/probe", AUTHORIZATION).statusCode());
            nanos[i] = System.nanoTime() - t0;
        }
        Arrays.sort(nanos);
        assertThat("median exchange, ms", nanos[nanos.length / 2] / 1e6, lessThan(20.0));
    }
}
