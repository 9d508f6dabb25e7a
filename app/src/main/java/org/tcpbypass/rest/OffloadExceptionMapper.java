package org.tcpbypass.rest;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.tcpbypass.api.OffloadException;

import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import javax.ws.rs.ext.ExceptionMapper;
import javax.ws.rs.ext.Provider;

/**
 * Answers a refused offload, release or report with the status its reason carries and ONOS's error body
 * {@code {"code": status, "message": "..."}}.
 */
@Provider
public class OffloadExceptionMapper implements ExceptionMapper<OffloadException> {

    private final ObjectMapper mapper = new ObjectMapper();

    @Override
    public Response toResponse(OffloadException exception) {
        int status = exception.reason().httpStatus();
        String body = mapper.createObjectNode()
                .put("code", status)
                .put("message", exception.getMessage())
                .toString();
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body).build();
    }
}
