package org.tcpbypass.rest;

import javax.ws.rs.GET;
import javax.ws.rs.NotFoundException;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;
import javax.ws.rs.core.Context;
import javax.ws.rs.core.Response;
import javax.ws.rs.core.UriInfo;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The app's own web page, {@code /onos/tcp-bypass/ui/}: proxied and bypassed connections, counters and release,
 * read from this REST API. It needs neither of ONOS's GUIs (gui2, the default in ONOS 2.x, shows no app views
 * that were not built into it), and it is behind the same authentication as the REST API.
 */
@Path("ui")
public class UiWebResource {

    static final String PAGE = "index.html";
    private static final Pattern FILE = Pattern.compile("[a-z-]+\\.(html|js|css)");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "application/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8");

    @Context
    private UriInfo uriInfo;

    /**
     * Returns the page. Without the trailing slash, redirects to it so the page's relative links resolve.
     *
     * @return 200 OK with the page, or 301 to ui/
     */
    @GET
    public Response page() {
        if (!uriInfo.getAbsolutePath().getPath().endsWith("/")) {
            return Response.status(Response.Status.MOVED_PERMANENTLY)
                    .location(uriInfo.getAbsolutePathBuilder().path("/").build()).build();
        }
        return file(PAGE);
    }

    /**
     * Returns one of the page's files.
     *
     * @param name file name, e.g. tcp-bypass.js
     * @return 200 OK with the file; 404 for anything else
     */
    @GET
    @Path("{name}")
    public Response file(@PathParam("name") String name) {
        Matcher m = FILE.matcher(name);
        if (!m.matches()) {
            throw new NotFoundException();
        }
        try (InputStream in = UiWebResource.class.getResourceAsStream("ui/" + name)) {
            if (in == null) {
                throw new NotFoundException();
            }
            return Response.ok(in.readAllBytes(), TYPES.get(m.group(1)))
                    .header("Cache-Control", "no-cache").build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
