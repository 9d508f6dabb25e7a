package org.tcpbypass.rest;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.base.Strings;
import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import org.junit.Test;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.OffloadException;
import org.tcpbypass.api.OffloadOutcome;

import javax.ws.rs.client.Entity;
import javax.ws.rs.client.WebTarget;
import javax.ws.rs.core.MediaType;
import javax.ws.rs.core.Response;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

import static org.easymock.EasyMock.expect;
import static org.easymock.EasyMock.replay;
import static org.easymock.EasyMock.verify;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertThat;
import static org.junit.Assert.assertTrue;
import static org.tcpbypass.api.OffloadException.Reason.CONFLICT;
import static org.tcpbypass.api.OffloadException.Reason.FORBIDDEN;
import static org.tcpbypass.api.OffloadException.Reason.INVALID;
import static org.tcpbypass.api.OffloadException.Reason.KEY_REUSED;
import static org.tcpbypass.api.OffloadException.Reason.NOT_FOUND;
import static org.tcpbypass.codec.BypassFixtures.CREATED;
import static org.tcpbypass.codec.BypassFixtures.OTHER_DEVICE;
import static org.tcpbypass.codec.BypassFixtures.bypassed;
import static org.tcpbypass.codec.BypassFixtures.clientLeg;
import static org.tcpbypass.codec.BypassFixtures.offloading;
import static org.tcpbypass.codec.BypassFixtures.request;
import static org.tcpbypass.codec.BypassFixtures.serverLeg;
import static org.tcpbypass.codec.BypassFixtures.tuple;

/**
 * Tests {@code /offloads}: status codes, bodies, Location, filters, the long-poll, and that a refused request
 * reaches no state-changing service call.
 */
public class OffloadWebResourceTest extends BypassResourceTest {

    private static final String RANGE = " is not in 0..4294967295";
    private static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final String KEY = "3f2c1d9e-6b1a-4f7e-9c55-0d6e2b7a8c41";

    /** Invalid request fixtures and the 400 message each must produce. */
    private static final Map<String, String> INVALID_REQUESTS = ImmutableMap.<String, String>builder()
            .put("seq-too-large", "clientLeg.sndNxt: 4294967296" + RANGE)
            .put("seq-beyond-long", "serverLeg.rcvNxt: 123456789012345678901234567890" + RANGE)
            .put("seq-negative", "clientLeg.rcvNxt: -1" + RANGE)
            .put("seq-string", "serverLeg.sndNxt: must be an integer, not \"3000\"")
            .put("ts-fraction", "clientLeg.peerTsVal: must be an integer, not 900.5")
            .put("ts-missing", "clientLeg.tsVal: is required")
            .put("window-shift", "serverLeg.peerWindowShift: 15 is not in 0..14")
            .put("port-zero", "vip.port: 0 is not in 1..65535")
            .put("port-large", "server.port: 65536 is not in 1..65535")
            .put("ip", "client.ip: '198.18.0.256' is not an IPv4 address")
            .put("mac", "clientAttachment.mac: '00:00:00:00:00' is not a MAC address")
            .put("device", "deviceId: 'bmv2 s1' is not a device id such as device:bmv2:s1")
            .put("missing-leg", "serverLeg: is required")
            .put("bool", "serverLeg.sackPermitted: must be true or false, not \"yes\"")
            .build();

    private static Entity<InputStream> fixture(String name) {
        return Entity.json(OffloadWebResourceTest.class.getResourceAsStream(name));
    }

    private Response post(Entity<?> entity) {
        return target("offloads").request().post(entity);
    }

    private JsonNode json(Bypass bypass) {
        try {
            return codecs.mapper().readTree(codecs.encode(bypass, Bypass.class).toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> ids(Response response) {
        return StreamSupport.stream(body(response).get("offloads").spliterator(), false)
                .map(b -> b.get("id").asText()).collect(Collectors.toList());
    }

    @Test
    public void offloadAnswersCreatedWithTheRecordAndItsLocation() {
        Bypass accepted = offloading(17);
        expect(service.offload(request(), null)).andReturn(OffloadOutcome.created(accepted));
        replay(service);

        Response response = post(fixture("post-offload.json"));
        assertEquals(201, response.getStatus());
        assertEquals(target("offloads/17").getUri(), response.getLocation());
        assertEquals(json(accepted), body(response));
    }

    @Test
    public void offloadWithWaitAnswersOnceTheOffloadSettles() {
        CompletableFuture<Bypass> settlement = new CompletableFuture<>();
        expect(service.offload(request(), KEY)).andReturn(OffloadOutcome.created(offloading(17)));
        expect(service.settled(BypassId.of(17))).andReturn(settlement);
        replay(service);
        Response response = heldUntilSettled(settlement, () -> target("offloads").queryParam("wait", 10000)
                .request().header(IDEMPOTENCY_KEY, KEY).post(fixture("post-offload.json")));
        assertEquals(201, response.getStatus());
        assertEquals(target("offloads/17").getUri(), response.getLocation());
        assertEquals(json(bypassed(17)), body(response));
    }

    /** Sends {@code request}, whose answer must wait for {@code settlement}, completed as BYPASSED 300 ms later. */
    private Response heldUntilSettled(CompletableFuture<Bypass> settlement, Supplier<Response> request) {
        ScheduledExecutorService settler = Executors.newSingleThreadScheduledExecutor();
        try {
            settler.schedule(() -> settlement.complete(bypassed(17)), 300, TimeUnit.MILLISECONDS);
            long start = System.nanoTime();
            Response response = request.get();
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertThat(elapsedMillis, greaterThanOrEqualTo(250L));
            assertThat(elapsedMillis, lessThan(9000L));
            return response;
        } finally {
            settler.shutdownNow();
        }
    }

    @Test
    public void offloadWithWaitAnswersTheRecordAsItIsWhenTimeRunsOut() {
        expect(service.offload(request(), null)).andReturn(OffloadOutcome.created(offloading(17)));
        expect(service.settled(BypassId.of(17))).andReturn(new CompletableFuture<>());
        expect(service.bypass(BypassId.of(17))).andReturn(Optional.of(offloading(17)));
        replay(service);
        Response response = target("offloads").queryParam("wait", 200).request().post(fixture("post-offload.json"));
        assertEquals(201, response.getStatus());
        assertEquals(BypassState.OFFLOADING.name(), body(response).get("state").asText());
    }

    @Test
    public void offloadWithWaitAnswersAtOnceWhenAlreadyBypassed() {
        expect(service.offload(request(), KEY)).andReturn(OffloadOutcome.repeated(bypassed(17)));
        replay(service);
        Response response = target("offloads").queryParam("wait", 30000).request()
                .header(IDEMPOTENCY_KEY, KEY).post(fixture("post-offload.json"));
        assertEquals(200, response.getStatus());
        assertEquals(json(bypassed(17)), body(response));
    }

    @Test
    public void offloadWithWaitOutOfRangeAnswers400AndReachesNoService() {
        replay(service);
        for (String wait : new String[]{"30001", "-1", "abc", ""}) {
            assertError(400, "wait: '" + wait + "' is not a number of milliseconds in 0..30000",
                        target("offloads").queryParam("wait", wait).request().post(fixture("post-offload.json")));
        }
    }

    private Response post(String idempotencyKey, Entity<?> entity) {
        return target("offloads").request().header(IDEMPOTENCY_KEY, idempotencyKey).post(entity);
    }

    @Test
    public void offloadUnderANewIdempotencyKeyAnswersCreated() {
        Bypass accepted = offloading(17);
        expect(service.offload(request(), KEY)).andReturn(OffloadOutcome.created(accepted));
        replay(service);

        Response response = post(KEY, fixture("post-offload.json"));
        assertEquals(201, response.getStatus());
        assertEquals(target("offloads/17").getUri(), response.getLocation());
        assertEquals(json(accepted), body(response));
    }

    @Test
    public void eachRequestSeesItsOwnHeadersAndUriThoughOneResourceServesThemAll() {
        // BypassWebApplication serves /offloads from a single instance: its @Context fields must be the request's.
        expect(service.offload(request(), KEY)).andReturn(OffloadOutcome.created(offloading(17)));
        expect(service.offload(request(), null)).andReturn(OffloadOutcome.created(offloading(18)));
        replay(service);

        Response keyed = post(KEY, fixture("post-offload.json"));
        Response plain = post(fixture("post-offload.json"));
        assertEquals(target("offloads/17").getUri(), keyed.getLocation());
        assertEquals(target("offloads/18").getUri(), plain.getLocation());
    }

    @Test
    public void repeatedIdempotencyKeyAnswersOkWithTheFirstRequestsRecord() {
        Bypass first = bypassed(17);
        expect(service.offload(request(), KEY)).andReturn(OffloadOutcome.repeated(first));
        replay(service);

        Response response = post(KEY, fixture("post-offload.json"));
        assertEquals(200, response.getStatus());
        assertEquals(json(first), body(response));
    }

    @Test
    public void idempotencyKeyReusedForAnotherRequestAnswers422NamingTheKey() {
        String message = "Idempotency-Key '" + KEY + "' was used for another offload request (bypass 17, ...)";
        expect(service.offload(request(), KEY)).andThrow(new OffloadException(KEY_REUSED, message));
        replay(service);
        assertError(422, message, post(KEY, fixture("post-offload.json")));
    }

    @Test
    public void invalidIdempotencyKeysAnswer400NamingTheHeaderAndReachNoService() {
        replay(service);
        String problem = "' is not 1..64 characters of A-Z a-z 0-9 . _ -";
        for (String key : List.of("", "key with spaces", "key*", "a/b", Strings.repeat("k", 65))) {
            assertError(400, "Idempotency-Key: '" + key + problem, post(key, fixture("post-offload.json")));
        }
        assertError(400, "Idempotency-Key: 'a,b" + problem, target("offloads").request()
                .header(IDEMPOTENCY_KEY, "a").header(IDEMPOTENCY_KEY, "b").post(fixture("post-offload.json")));
    }

    @Test
    public void idempotencyKeysOfEveryAllowedCharacterAndLengthReachTheService() {
        String longest = Strings.repeat("k", 64);
        for (String key : List.of("A", "az.AZ_09-", longest)) {
            expect(service.offload(request(), key)).andReturn(OffloadOutcome.created(offloading(17)));
        }
        replay(service);
        for (String key : List.of("A", "az.AZ_09-", longest)) {
            assertEquals(201, post(key, fixture("post-offload.json")).getStatus());
        }
    }

    @Test
    public void invalidRequestsAnswer400NamingTheFieldAndReachNoService() {
        replay(service);
        INVALID_REQUESTS.forEach((name, message) -> assertError(
                400, message, post(fixture("post-offload-invalid-" + name + ".json"))));
    }

    @Test
    public void malformedBodiesAnswer400() {
        replay(service);
        Response malformed = post(fixture("post-offload-invalid-malformed.json"));
        assertEquals(400, malformed.getStatus());
        String message = body(malformed).get("message").asText();
        assertThat(message, startsWith("body: malformed JSON at line 6, column 1: Unexpected end-of-input"));
        assertThat(message, not(containsString("jersey")));
        assertError(400, "body: is required", post(Entity.json("")));
        assertError(400, "body: nested deeper than 16 levels",
                    post(Entity.json("{\"a\":" + Strings.repeat("[", 100000) + Strings.repeat("]", 100000) + "}")));
        Response badUtf8 = post(Entity.json(new byte[]{'{', '"', (byte) 0xff, '"', ':', '1', '}'}));
        assertEquals(400, badUtf8.getStatus());
        assertThat(body(badUtf8).get("message").asText(), startsWith("body: malformed JSON"));
        assertError(400, "body: must be a JSON object", post(Entity.json("[]")));
        assertError(400, "body: must be a JSON object", post(Entity.json("null")));
        assertThat(body(post(Entity.json("{} {}"))).get("message").asText(), startsWith("body: malformed JSON"));
        assertThat(body(post(Entity.json("{\"proxy\":\"a\",\"proxy\":\"b\"}"))).get("message").asText(),
                   startsWith("body: malformed JSON at line 1, column 21: Duplicate field 'proxy'"));
    }

    @Test
    public void nonJsonBodiesAreUnsupported() {
        replay(service);
        assertEquals(415, post(Entity.entity("proxy=proxy1", MediaType.APPLICATION_FORM_URLENCODED)).getStatus());
    }

    @Test
    public void refusalsAnswerTheirReasonsStatus() {
        Map<OffloadException.Reason, String> refusals = ImmutableMap.of(
                FORBIDDEN, "proxy proxy1 does not own VIP 198.18.0.100",
                NOT_FOUND, "device device:bmv2:s1 not found",
                CONFLICT, "198.18.0.1:40000->198.18.0.100:80 already has bypass 4",
                INVALID, "deviceId: device:bmv2:s1 does not run the tcp-bypass pipeconf");
        refusals.forEach((reason, message) -> expect(service.offload(request(), null))
                .andThrow(new OffloadException(reason, message)));
        replay(service);
        refusals.forEach((reason, message) -> assertError(reason.httpStatus(), message,
                                                          post(fixture("post-offload.json"))));
    }

    @Test
    public void listsRecordsInIdOrderFilteredByStateAndDevice() {
        Bypass onOtherDevice = Bypass.offloading(BypassId.of(9), "proxy1", OTHER_DEVICE, tuple(40009),
                                                 BypassTranslation.of(clientLeg(), serverLeg()), CREATED);
        List<Bypass> all = ImmutableList.of(bypassed(20), offloading(3), onOtherDevice, bypassed(5));
        expect(service.bypasses()).andReturn(all).times(5);
        replay(service);

        Response response = target("offloads").request().get();
        assertEquals(200, response.getStatus());
        assertEquals(ImmutableList.of("3", "5", "9", "20"), ids(response));
        assertEquals(ImmutableList.of("5", "20"), ids(target("offloads").queryParam("state", "bypassed")
                                                              .request().get()));
        assertEquals(ImmutableList.of("9"), ids(target("offloads").queryParam("deviceId", "device:bmv2:s2")
                                                        .request().get()));
        assertEquals(ImmutableList.of("3"), ids(target("offloads").queryParam("state", "OFFLOADING")
                                                        .queryParam("deviceId", "device:bmv2:s1").request().get()));
        assertEquals(ImmutableList.of(), ids(target("offloads").queryParam("state", "FAILED").request().get()));
    }

    @Test
    public void listsEveryFieldOfEachRecord() {
        expect(service.bypasses()).andReturn(ImmutableList.of(bypassed(17)));
        replay(service);
        assertEquals(json(bypassed(17)), body(target("offloads").request().get()).get("offloads").get(0));
    }

    @Test
    public void invalidFiltersAnswer400() {
        replay(service);
        assertError(400, "state: 'gone' is not one of [PROXIED, OFFLOADING, BYPASSED, RELEASED, FAILED]",
                    target("offloads").queryParam("state", "gone").request().get());
        assertError(400, "state: '' is not one of [PROXIED, OFFLOADING, BYPASSED, RELEASED, FAILED]",
                    target("offloads").queryParam("state", "").request().get());
        assertError(400, "deviceId: 'bmv2 s1' is not a device id such as device:bmv2:s1",
                    target("offloads").queryParam("deviceId", "bmv2 s1").request().get());
    }

    @Test
    public void getsOneRecord() {
        expect(service.bypass(BypassId.of(17))).andReturn(Optional.of(bypassed(17))).times(2);
        replay(service);
        Response response = target("offloads/17").request().get();
        assertEquals(200, response.getStatus());
        assertEquals(json(bypassed(17)), body(response));
        assertEquals(json(bypassed(17)), body(target("offloads/17").queryParam("wait", 0).request().get()));
    }

    @Test
    public void unknownIdAnswers404() {
        expect(service.bypass(BypassId.of(99))).andReturn(Optional.empty());
        replay(service);
        assertError(404, "bypass 99 not found", target("offloads/99").request().get());
    }

    @Test
    public void malformedIdsAnswer400() {
        replay(service);
        assertError(400, "id: 'abc' is not a bypass id (a non-negative decimal number)",
                    target("offloads/abc").request().get());
        assertError(400, "id: '-5' is not a bypass id (a non-negative decimal number)",
                    target("offloads/-5").request().delete());
        assertError(400, "id: '99999999999999999999' is not a bypass id (a non-negative decimal number)",
                    target("offloads/99999999999999999999").request().get());
    }

    @Test
    public void waitHoldsTheAnswerUntilTheOffloadSettles() {
        CompletableFuture<Bypass> settlement = new CompletableFuture<>();
        expect(service.settled(BypassId.of(17))).andReturn(settlement);
        replay(service);
        Response response = heldUntilSettled(settlement,
                                              () -> target("offloads/17").queryParam("wait", 10000).request().get());
        assertEquals(200, response.getStatus());
        assertEquals(json(bypassed(17)), body(response));
    }

    @Test
    public void waitAnswersTheCurrentRecordWhenTimeRunsOut() {
        expect(service.settled(BypassId.of(17))).andReturn(new CompletableFuture<>());
        expect(service.bypass(BypassId.of(17))).andReturn(Optional.of(offloading(17)));
        replay(service);
        long start = System.nanoTime();
        Response response = target("offloads/17").queryParam("wait", 300).request().get();
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertEquals(200, response.getStatus());
        assertEquals(BypassState.OFFLOADING.name(), body(response).get("state").asText());
        assertThat(elapsedMillis, greaterThanOrEqualTo(300L));
    }

    @Test
    public void waitAnswersAtOnceWhenAlreadySettled() {
        expect(service.settled(BypassId.of(17))).andReturn(CompletableFuture.completedFuture(bypassed(17)));
        replay(service);
        assertEquals(json(bypassed(17)), body(target("offloads/17").queryParam("wait", 30000).request().get()));
    }

    @Test
    public void waitOnAnUnknownIdAnswers404() {
        CompletableFuture<Bypass> unknown = new CompletableFuture<>();
        unknown.completeExceptionally(new OffloadException(NOT_FOUND, "bypass 99 not found"));
        expect(service.settled(BypassId.of(99))).andReturn(unknown);
        replay(service);
        assertError(404, "bypass 99 not found", target("offloads/99").queryParam("wait", 1000).request().get());
    }

    @Test
    public void waitOutOfRangeAnswers400() {
        replay(service);
        for (String wait : new String[]{"30001", "-1", "abc", "1.5", ""}) {
            assertError(400, "wait: '" + wait + "' is not a number of milliseconds in 0..30000",
                        target("offloads/17").queryParam("wait", wait).request().get());
        }
    }

    @Test
    public void deleteReleasesAndAnswersTheReleasedRecord() {
        Bypass released = bypassed(17).withState(BypassState.RELEASED, OffloadWebResource.RELEASE_REASON,
                                                 CREATED + 500);
        // Without ifState, and with ifState=* (any state, its default): released without a look at the state.
        expect(service.release(BypassId.of(17), OffloadWebResource.RELEASE_REASON)).andReturn(released).times(2);
        replay(service);
        for (WebTarget t : List.of(target("offloads/17"),
                                   target("offloads/17").queryParam("ifState", OffloadWebResource.ANY_STATE))) {
            Response response = t.request().delete();
            assertEquals(200, response.getStatus());
            assertEquals(json(released), body(response));
        }
    }

    @Test
    public void deleteAnswersOnceTheEntriesAreWithdrawn() {
        Bypass released = bypassed(17).withState(BypassState.RELEASED, OffloadWebResource.RELEASE_REASON,
                                                 CREATED + 500);
        expect(service.release(BypassId.of(17), OffloadWebResource.RELEASE_REASON)).andReturn(bypassed(17));
        expect(service.ended(BypassId.of(17))).andReturn(CompletableFuture.completedFuture(released));
        replay(service);
        Response response = target("offloads/17").request().delete();
        assertEquals(200, response.getStatus());
        assertEquals(json(released), body(response));
    }

    @Test
    public void deleteAnswers202WithTheRecordWhenTheWithdrawalTakesLonger() {
        expect(service.release(BypassId.of(17), OffloadWebResource.RELEASE_REASON)).andReturn(bypassed(17));
        expect(service.ended(BypassId.of(17))).andReturn(new CompletableFuture<>());
        expect(service.bypass(BypassId.of(17))).andReturn(Optional.of(bypassed(17)));
        replay(service);
        long start = System.nanoTime();
        Response response = target("offloads/17").request().delete();
        assertTrue("waited the release wait", (System.nanoTime() - start) / 1_000_000
                >= OffloadWebResource.RELEASE_WAIT_MILLIS);
        assertEquals(202, response.getStatus());
        assertEquals(json(bypassed(17)), body(response));
    }

    @Test
    public void deleteIfStateReleasesOnlyInThatState() {
        Bypass released = offloading(17).withState(BypassState.RELEASED, OffloadWebResource.RELEASE_REASON,
                                                   CREATED + 500);
        expect(service.release(BypassId.of(17), OffloadWebResource.RELEASE_REASON, BypassState.OFFLOADING))
                .andReturn(Optional.of(released));
        expect(service.release(BypassId.of(18), OffloadWebResource.RELEASE_REASON, BypassState.OFFLOADING))
                .andReturn(Optional.empty());
        expect(service.bypass(BypassId.of(18))).andReturn(Optional.of(bypassed(18)));
        replay(service);
        Response cancelled = target("offloads/17").queryParam("ifState", "offloading").request().delete();
        assertEquals(200, cancelled.getStatus());
        assertEquals(json(released), body(cancelled));
        Response tooLate = target("offloads/18").queryParam("ifState", "OFFLOADING").request().delete();
        assertEquals("already bypassed: left as it is", 409, tooLate.getStatus());
        assertEquals(json(bypassed(18)), body(tooLate));
        assertError(400, "ifState: 'GONE' is not one of [PROXIED, OFFLOADING, BYPASSED, RELEASED, FAILED]",
                    target("offloads/18").queryParam("ifState", "GONE").request().delete());
        assertError(400, "ifState: '' is not one of [PROXIED, OFFLOADING, BYPASSED, RELEASED, FAILED]",
                    target("offloads/18").queryParam("ifState", "").request().delete());
        verify(service);
    }

    private WebTarget cancelTarget(String proxy, String key, String ifState) {
        WebTarget t = target("offloads");
        t = proxy == null ? t : t.queryParam("proxy", proxy);
        t = key == null ? t : t.queryParam("idempotencyKey", key);
        return ifState == null ? t : t.queryParam("ifState", ifState);
    }

    @Test
    public void deleteByKeyAnswers204WhenTheKeyMadeNoRecord() {
        expect(service.cancelOffload("proxy1", "k-1")).andReturn(Optional.empty());
        replay(service);
        Response response = cancelTarget("proxy1", "k-1", "OFFLOADING").request().delete();
        assertEquals(204, response.getStatus());
        verify(service);
    }

    @Test
    public void deleteByKeyReleasesTheRecordTheKeyMadeOnlyInTheGivenState() {
        Bypass released = offloading(17).withState(BypassState.RELEASED, OffloadWebResource.RELEASE_REASON,
                                                   CREATED + 500);
        expect(service.cancelOffload("proxy1", "k-1")).andReturn(Optional.of(offloading(17)));
        expect(service.release(BypassId.of(17), OffloadWebResource.RELEASE_REASON, BypassState.OFFLOADING))
                .andReturn(Optional.of(released));
        expect(service.cancelOffload("proxy1", "k-2")).andReturn(Optional.of(bypassed(18)));
        expect(service.release(BypassId.of(18), OffloadWebResource.RELEASE_REASON, BypassState.OFFLOADING))
                .andReturn(Optional.empty());
        expect(service.bypass(BypassId.of(18))).andReturn(Optional.of(bypassed(18)));
        replay(service);
        Response cancelled = cancelTarget("proxy1", "k-1", "OFFLOADING").request().delete();
        assertEquals(200, cancelled.getStatus());
        assertEquals(json(released), body(cancelled));
        Response won = cancelTarget("proxy1", "k-2", "OFFLOADING").request().delete();
        assertEquals("the bypass won: left as it is", 409, won.getStatus());
        assertEquals(json(bypassed(18)), body(won));
        verify(service);
    }

    @Test
    public void deleteByKeyWithAMissingOrInvalidArgumentAnswers400AndReachesNoService() {
        replay(service);
        assertError(400, "proxy: missing: the proxy that made the request",
                    cancelTarget(null, "k-1", "OFFLOADING").request().delete());
        assertError(400, "idempotencyKey: missing: the request's Idempotency-Key",
                    cancelTarget("proxy1", null, "OFFLOADING").request().delete());
        assertError(400, "idempotencyKey: 'a/b' is not 1..64 characters of A-Z a-z 0-9 . _ -",
                    cancelTarget("proxy1", "a/b", "OFFLOADING").request().delete());
        assertError(400, "ifState: 'GONE' is not one of [PROXIED, OFFLOADING, BYPASSED, RELEASED, FAILED]",
                    cancelTarget("proxy1", "k-1", "GONE").request().delete());
        verify(service);
    }

    @Test
    public void deleteByKeyOfAnUnregisteredProxyAnswers403() {
        expect(service.cancelOffload("intruder", "k-1"))
                .andThrow(new OffloadException(OffloadException.Reason.FORBIDDEN,
                                               "proxy: 'intruder' is not a registered proxy"));
        replay(service);
        assertError(403, "proxy: 'intruder' is not a registered proxy",
                    cancelTarget("intruder", "k-1", "OFFLOADING").request().delete());
    }

    @Test
    public void oversizedBodyAnswers413AndReachesNoService() {
        replay(service);
        String padding = "x".repeat(JsonBody.MAX_BYTES);
        String message = "body: larger than " + JsonBody.MAX_BYTES + " bytes";
        assertError(413, message, post(Entity.json("{\"unknown\": \"" + padding + "\"}")));
        assertError(413, message, target("connections").request()
                .post(Entity.json("{\"proxy\": \"proxy1\", \"unknown\": \"" + padding + "\"}")));
    }

    @Test
    public void deleteOfAnUnknownIdAnswers404() {
        expect(service.release(BypassId.of(99), OffloadWebResource.RELEASE_REASON))
                .andThrow(new OffloadException(NOT_FOUND, "bypass 99 not found"));
        replay(service);
        assertError(404, "bypass 99 not found", target("offloads/99").request().delete());
    }

    @Test
    public void invalidArgumentsFromTheServiceAnswer400() {
        expect(service.offload(request(), null))
                .andThrow(new IllegalArgumentException("timestamps: negotiated on one leg only"));
        replay(service);
        assertError(400, "timestamps: negotiated on one leg only", post(fixture("post-offload.json")));
    }
}
