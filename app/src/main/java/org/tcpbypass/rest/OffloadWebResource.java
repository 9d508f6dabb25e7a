package org.tcpbypass.rest;

import org.onosproject.net.DeviceId;
import org.onosproject.rest.AbstractWebResource;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.OffloadException;
import org.tcpbypass.api.OffloadOutcome;
import org.tcpbypass.api.OffloadRequest;
import org.tcpbypass.codec.InvalidFieldException;
import org.tcpbypass.codec.JsonFields;

import javax.ws.rs.Consumes;
import javax.ws.rs.DELETE;
import javax.ws.rs.DefaultValue;
import javax.ws.rs.GET;
import javax.ws.rs.POST;
import javax.ws.rs.Path;
import javax.ws.rs.PathParam;
import javax.ws.rs.Produces;
import javax.ws.rs.QueryParam;
import javax.ws.rs.core.Context;
import javax.ws.rs.core.HttpHeaders;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import javax.ws.rs.core.UriInfo;
import java.io.InputStream;
import java.net.URI;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Offloads: proxies hand established connections to the switch, wait for the bypass and release it; operators
 * list and inspect bypass records.
 */
@Path("offloads")
public class OffloadWebResource extends AbstractWebResource {

    /** Longest long-poll a GET may ask for, ms. */
    static final long MAX_WAIT_MILLIS = 30_000;
    static final String OFFLOADS = "offloads";
    static final String RELEASE_REASON = "released through the REST API";
    /** Longest a DELETE waits for the switch's entries to be withdrawn, ms. */
    static final long RELEASE_WAIT_MILLIS = 5_000;

    // Parameter names are literal in the annotations: ONOS's Swagger generator reads them from the source text.
    private static final String ID = "id";
    private static final String WAIT = "wait";
    private static final String STATE = "state";
    private static final String IF_STATE = "ifState";
    /** ifState's value for "whatever the state", as If-Match: * in HTTP; also its default. */
    static final String ANY_STATE = "*";
    private static final String DEVICE_ID = "deviceId";
    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final String IDEMPOTENCY_KEY_PARAM = "idempotencyKey";
    private static final String PROXY = "proxy";
    private static final Pattern IDEMPOTENCY_KEY_FORMAT = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    @Context
    private UriInfo uriInfo;
    @Context
    private HttpHeaders headers;

    /**
     * Requests an offload. Hands one established proxied connection to the switch. Answers 201 with the bypass
     * record (state OFFLOADING, or already BYPASSED) and its URI in Location. With an Idempotency-Key header, a
     * request this proxy already made with that key answers 200 with that request's record as it is now and
     * changes nothing (a retry after a lost answer); 422 if the key was used for another connection or leg
     * state. 400 names an invalid field or header; 403 if the proxy is not registered or a leg is not its own;
     * 404 for an unknown device; 409 if the connection already has a live bypass. On an error nothing changes.
     * With wait, the answer is held until the record is no longer OFFLOADING or the time has passed, as for GET
     * (one exchange instead of two on the hand-off's critical path).
     *
     * @param wait   milliseconds to wait while the record is OFFLOADING, 0..30000; optional
     * @param stream offload request JSON
     * @return 201 CREATED with the bypass record, or 200 OK with the record of the key's first request
     * @onos.rsModel OffloadPost
     */
    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Response offload(@QueryParam(WAIT) String wait, InputStream stream) {
        long waitMillis = waitMillis(wait);
        String idempotencyKey = idempotencyKey();
        OffloadRequest request = codec(OffloadRequest.class).decode(JsonBody.read(mapper(), stream), this);
        BypassService service = get(BypassService.class);
        OffloadOutcome outcome = service.offload(request, idempotencyKey);
        Bypass bypass = outcome.bypass();
        if (waitMillis > 0 && bypass.state() == BypassState.OFFLOADING) {
            bypass = await(service, bypass.id(), service.settled(bypass.id()), waitMillis);
        }
        URI location = uriInfo.getAbsolutePathBuilder().path(bypass.id().toString()).build();
        Response.ResponseBuilder answer = outcome.isRepeated() ? Response.ok() : Response.created(location);
        return answer.entity(codec(Bypass.class).encode(bypass, this)).build();
    }

    /**
     * Lists bypass records. All records, live and recently ended, ordered by id; optionally only those in one
     * state and on one switch. 400 for an unknown state or a malformed device id.
     *
     * @param state    PROXIED, OFFLOADING, BYPASSED, RELEASED or FAILED (any case); optional
     * @param deviceId switch, e.g. device:bmv2:s1; optional
     * @return 200 OK with {"offloads": [...]}
     * @onos.rsModel Offloads
     */
    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Response offloads(@QueryParam("state") String state, @QueryParam("deviceId") String deviceId) {
        Predicate<Bypass> filter = stateFilter(STATE, state).and(deviceFilter(deviceId));
        List<Bypass> bypasses = get(BypassService.class).bypasses().stream()
                .filter(filter)
                .sorted(Comparator.comparing(b -> b.id().id()))
                .collect(Collectors.toList());
        return ok(encodeArray(Bypass.class, OFFLOADS, bypasses)).build();
    }

    /**
     * Returns a bypass record. With wait, the answer is held until the record is no longer OFFLOADING or the
     * given milliseconds pass, whichever comes first; then the current record is returned. 404 for an unknown
     * id; 400 for a malformed id or wait.
     *
     * @param id   record id
     * @param wait milliseconds to wait while the record is OFFLOADING, 0..30000; optional
     * @return 200 OK with the bypass record
     * @onos.rsModel Offload
     */
    @GET
    @Path("{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response offload(@PathParam("id") String id, @QueryParam("wait") String wait) {
        BypassId bypassId = bypassId(id);
        long waitMillis = waitMillis(wait);
        BypassService service = get(BypassService.class);
        Bypass bypass = waitMillis == 0 ? current(service, bypassId)
                : await(service, bypassId, service.settled(bypassId), waitMillis);
        return ok(codec(Bypass.class).encode(bypass, this)).build();
    }

    /**
     * Releases a connection. Withdraws its bypass, if any, and answers once its record has ended: 200 with the
     * record, RELEASED (or as it ended before). If the switch's entries are not withdrawn within 5 s, 202 with
     * the record as it is then; it ends when they are. With ifState, only a record in that state is released, as
     * one compare-and-set (a record released while OFFLOADING never becomes BYPASSED); another state answers 409
     * with the record, unchanged. 404 for an unknown id; 400 for an unknown state.
     *
     * @param id      record id
     * @param ifState release only in this state, e.g. OFFLOADING (any case), or * for any state (the default)
     * @return 200 OK with the ended record, 202 ACCEPTED with the record still being released, or 409 CONFLICT
     *         with the record in another state
     * @onos.rsModel Offload
     */
    // The default spares Jersey 2.27 an IllegalArgumentException, thrown and caught for a @QueryParam that is absent
    // and has none: once per proxy's DELETE, 2.2 % of the lab JVM's CPU in the offload benchmark (async-profiler).
    @DELETE
    @Path("{id}")
    @Produces(MediaType.APPLICATION_JSON)
    public Response release(@PathParam("id") String id,
                            @DefaultValue("*") @QueryParam("ifState") String ifState) {
        return release(bypassId(id), ifState(ifState));
    }

    /**
     * Cancels an offload request by its idempotency key, for a proxy that got no answer to it. From then on the key
     * makes no bypass (the request or a retry still on its way answers 409), for the records' retention. If the
     * request made a record, it is released as by DELETE /offloads/{id} with the same ifState: 200, 202 or 409
     * with the record. 204 if it made none. 400 for a missing or invalid proxy, key or state; 403 if the proxy is
     * not registered; 409 without a record while the request is still being processed.
     *
     * @param proxy          the proxy that made the request
     * @param idempotencyKey the request's Idempotency-Key
     * @param ifState        release only in this state, e.g. OFFLOADING (any case), or * for any state (the default)
     * @return 204 NO CONTENT if the key made no record; otherwise as DELETE /offloads/{id}
     * @onos.rsModel Offload
     */
    @DELETE
    @Produces(MediaType.APPLICATION_JSON)
    public Response cancel(@QueryParam(PROXY) String proxy, @QueryParam(IDEMPOTENCY_KEY_PARAM) String idempotencyKey,
                           @DefaultValue("*") @QueryParam("ifState") String ifState) {
        if (proxy == null || proxy.isEmpty()) {
            throw new InvalidFieldException(PROXY, "missing: the proxy that made the request");
        }
        if (idempotencyKey == null) {
            throw new InvalidFieldException(IDEMPOTENCY_KEY_PARAM, "missing: the request's " + IDEMPOTENCY_KEY);
        }
        String key = checkedIdempotencyKey(IDEMPOTENCY_KEY_PARAM, idempotencyKey);
        BypassState state = ifState(ifState);
        Optional<Bypass> made = get(BypassService.class).cancelOffload(proxy, key);
        return made.isEmpty() ? Response.noContent().build() : release(made.get().id(), state);
    }

    private Response release(BypassId bypassId, BypassState ifState) {
        BypassService service = get(BypassService.class);
        Optional<Bypass> released = ifState == null ? Optional.of(service.release(bypassId, RELEASE_REASON))
                : service.release(bypassId, RELEASE_REASON, ifState);
        if (released.isEmpty()) {
            return Response.status(Response.Status.CONFLICT)
                    .entity(codec(Bypass.class).encode(current(service, bypassId), this)).build();
        }
        Bypass bypass = released.get();
        if (!bypass.state().isFinal()) {
            bypass = await(service, bypassId, service.ended(bypassId), RELEASE_WAIT_MILLIS);
        }
        Response.Status status = bypass.state().isFinal() ? Response.Status.OK : Response.Status.ACCEPTED;
        return Response.status(status).entity(codec(Bypass.class).encode(bypass, this)).build();
    }

    // null for "any state".
    private static BypassState ifState(String text) {
        return ANY_STATE.equals(text) ? null : state(IF_STATE, text);
    }

    private static Bypass current(BypassService service, BypassId id) {
        return service.bypass(id).orElseThrow(() -> notFound(id));
    }

    private static Bypass await(BypassService service, BypassId id, Future<Bypass> future, long waitMillis) {
        try {
            return future.get(waitMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return current(service, id);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return current(service, id);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof OffloadException) {
                throw (OffloadException) e.getCause();
            }
            throw new CompletionException(e.getCause());
        }
    }

    // Read from the headers rather than a @HeaderParam: ONOS's Swagger generator would list it as a body.
    // Several values come joined by commas, which no key may contain.
    private String idempotencyKey() {
        String key = headers.getHeaderString(IDEMPOTENCY_KEY);
        return key == null ? null : checkedIdempotencyKey(IDEMPOTENCY_KEY, key);
    }

    private static String checkedIdempotencyKey(String field, String key) {
        if (!IDEMPOTENCY_KEY_FORMAT.matcher(key).matches()) {
            throw new InvalidFieldException(field, "'" + key + "' is not 1..64 characters of A-Z a-z 0-9 . _ -");
        }
        return key;
    }

    private static OffloadException notFound(BypassId id) {
        return new OffloadException(OffloadException.Reason.NOT_FOUND, "bypass " + id + " not found");
    }

    private static BypassId bypassId(String text) {
        try {
            return BypassId.valueOf(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException(ID, "'" + text + "' is not a bypass id (a non-negative decimal number)");
        }
    }

    private static long waitMillis(String text) {
        if (text == null) {
            return 0;
        }
        try {
            long millis = Long.parseLong(text);
            if (millis >= 0 && millis <= MAX_WAIT_MILLIS) {
                return millis;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidFieldException(WAIT, "'" + text + "' is not a number of milliseconds in 0.."
                + MAX_WAIT_MILLIS);
    }

    private static Predicate<Bypass> stateFilter(String field, String text) {
        if (text == null) {
            return b -> true;
        }
        BypassState state = state(field, text);
        return b -> b.state() == state;
    }

    private static BypassState state(String field, String text) {
        try {
            return BypassState.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException(field, "'" + text + "' is not one of "
                    + Arrays.toString(BypassState.values()));
        }
    }

    private static Predicate<Bypass> deviceFilter(String text) {
        if (text == null) {
            return b -> true;
        }
        DeviceId deviceId = JsonFields.deviceId(DEVICE_ID, text);
        return b -> b.deviceId().equals(deviceId);
    }
}
