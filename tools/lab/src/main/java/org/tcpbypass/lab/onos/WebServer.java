package org.tcpbypass.lab.onos;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.servlet.ServletContainer;
import org.onlab.osgi.ServiceDirectory;
import org.onlab.rest.BaseResource;

import javax.annotation.Priority;
import javax.ws.rs.Priorities;
import javax.ws.rs.container.ContainerRequestContext;
import javax.ws.rs.container.ContainerRequestFilter;
import javax.ws.rs.core.Application;
import javax.ws.rs.core.Response;
import javax.ws.rs.core.SecurityContext;
import java.lang.reflect.Field;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Base64;
import java.util.Set;

/**
 * ONOS's web container for one app: serves a JAX-RS application as ONOS deploys an app's web.xml (Jersey's servlet
 * at /* of the app's context path, in Jetty 9.4) on a loopback address, with ONOS's HTTP basic authentication (user
 * onos, password rocks, roles admin and viewer), and points ONOS's BaseResource service look-ups at the lab's
 * service registry.
 */
public final class WebServer implements AutoCloseable {

    /** ONOS's default REST user. */
    public static final String USER = "onos";
    /** ONOS's default REST password. */
    public static final String PASSWORD = "rocks";

    private final Server server;

    private WebServer(Server server) {
        this.server = server;
    }

    /**
     * Starts serving.
     *
     * @param application the app's JAX-RS application
     * @param base        e.g. http://127.0.0.1:8181/onos/tcp-bypass/
     * @param services    where resources look services up
     * @return the running server
     */
    public static WebServer start(Application application, URI base, ServiceDirectory services) {
        try {
            // ONOS's tests point BaseResource at a test directory the same way.
            Field f = BaseResource.class.getDeclaredField("services");
            f.setAccessible(true);
            f.set(null, services);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot point BaseResource at the lab's services", e);
        }
        ResourceConfig rc = ResourceConfig.forApplication(application).register(new BasicAuth());
        Server server = new Server();
        // Jetty's connector answers with TCP_NODELAY, as ONOS's does (Nagle and delayed ACKs would add ~40 ms).
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(base.getHost());
        connector.setPort(base.getPort());
        server.addConnector(connector);
        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath(base.getPath().replaceAll("/$", ""));
        context.addServlet(new ServletHolder(new ServletContainer(rc)), "/*");
        server.setHandler(context);
        try {
            server.start();
        } catch (Exception e) {
            try {
                server.stop();
            } catch (Exception stop) {
                e.addSuppressed(stop);
            }
            throw new IllegalStateException("cannot serve " + base, e);
        }
        return new WebServer(server);
    }

    /** The port served (the one chosen when the base URI gave port 0). */
    public int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop the web server", e);
        }
    }

    @Priority(Priorities.AUTHENTICATION)
    private static final class BasicAuth implements ContainerRequestFilter {
        private static final String EXPECTED = "Basic " + Base64.getEncoder()
                .encodeToString((USER + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8));

        @Override
        public void filter(ContainerRequestContext request) {
            if (!EXPECTED.equals(request.getHeaderString("Authorization"))) {
                request.abortWith(Response.status(Response.Status.UNAUTHORIZED)
                                          .header("WWW-Authenticate", "Basic realm=\"karaf\"").build());
                return;
            }
            boolean secure = request.getSecurityContext().isSecure();
            request.setSecurityContext(new SecurityContext() {
                @Override
                public Principal getUserPrincipal() {
                    return () -> USER;
                }

                @Override
                public boolean isUserInRole(String role) {
                    return Set.of("admin", "viewer").contains(role);
                }

                @Override
                public boolean isSecure() {
                    return secure;
                }

                @Override
                public String getAuthenticationScheme() {
                    return SecurityContext.BASIC_AUTH;
                }
            });
        }
    }
}
