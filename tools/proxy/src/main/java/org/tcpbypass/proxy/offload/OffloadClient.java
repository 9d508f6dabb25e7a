package org.tcpbypass.proxy.offload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.tcpbypass.proxy.ProxyConfig;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** The proxy's side of docs/offload-protocol.md: HTTP basic auth, JSON, under the configured base URL. */
public final class OffloadClient {
    /** The app's bypass record states a proxy acts on. */
    public static final String OFFLOADING = "OFFLOADING";
    public static final String BYPASSED = "BYPASSED";
    private static final int MAX_WAIT_MILLIS = 30000;
    private static final int RELEASE_ANSWER_MILLIS = 5000;
    /** Larger answers are refused unread: a record is a few hundred bytes. */
    static final int MAX_ANSWER_BYTES = 64 * 1024;
    /** A list of records: about 600 bytes each. */
    static final int MAX_LIST_BYTES = 64 << 20;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** The request header that makes a retried POST /offloads return the first attempt's record. */
    public static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    private final HttpClient http;
    private final URI base;
    private final String authorization;
    private final Duration timeout;

    /** A client for the configured controller. */
    public OffloadClient(ProxyConfig.Controller controller) throws IOException {
        this.base = controller.url;
        this.authorization = controller.user == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                (controller.user + ":" + controller.password).getBytes(StandardCharsets.UTF_8));
        this.timeout = Duration.ofMillis(controller.requestTimeoutMillis);
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(timeout);
        if (controller.caFile != null) {
            b.sslContext(trusting(controller.caFile));
        }
        this.http = b.build();
    }

    /** TLS that trusts exactly the CA certificates in a PEM file. */
    private static SSLContext trusting(Path caFile) throws IOException {
        try (InputStream in = Files.newInputStream(caFile)) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca" + i++, cert);
            }
            if (i == 0) {
                throw new IOException("no certificate in " + caFile);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext tls = SSLContext.getInstance("TLS");
            tls.init(null, tmf.getTrustManagers(), null);
            return tls;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use the CA file " + caFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * POST /offloads?wait=; the answer is the record once it has left OFFLOADING or the wait has passed (201, or
     * 200 when the app already holds a record made under the same idempotency key, i.e. this is a retry of a
     * request whose answer was lost).
     */
    public Record request(ObjectNode offload, String idempotencyKey, long waitMillis)
            throws IOException, InterruptedException {
        long wait = boundedWait(waitMillis);
        HttpRequest r = request("/offloads?wait=" + wait, timeout.plusMillis(wait))
                .header("Content-Type", "application/json")
                .header(IDEMPOTENCY_KEY, idempotencyKey)
                .POST(HttpRequest.BodyPublishers.ofString(offload.toString())).build();
        return new Record(send(r, MAX_ANSWER_BYTES, 201, 200));
    }

    /** GET /offloads/{id}?wait=; the record once it has left OFFLOADING or the wait has passed. */
    public Record await(String id, long waitMillis) throws IOException, InterruptedException {
        long wait = boundedWait(waitMillis);
        HttpRequest r = request("/offloads/" + checkedId(id) + "?wait=" + wait, timeout.plusMillis(wait)).GET().build();
        return new Record(send(r, MAX_ANSWER_BYTES, 200));
    }

    /**
     * DELETE /offloads/{id}?ifState=OFFLOADING: releases the bypass only while it is still being set up; the
     * answer is the record either way (200 released, 202 being released, 409 when it had already left
     * OFFLOADING, e.g. BYPASSED).
     */
    public Record cancel(String id) throws IOException, InterruptedException {
        // The app answers once the switch's entries are withdrawn, after at most 5 s (then 202).
        HttpRequest r = request("/offloads/" + checkedId(id) + "?ifState=" + OFFLOADING,
                                timeout.plusMillis(RELEASE_ANSWER_MILLIS)).DELETE().build();
        return new Record(send(r, MAX_ANSWER_BYTES, 200, 202, 409));
    }

    /** GET /offloads?state=BYPASSED&deviceId=: the ids of the device's live bypasses. */
    public Set<String> bypassed(String deviceId) throws IOException, InterruptedException {
        HttpRequest r = request("/offloads?state=" + BYPASSED + "&deviceId="
                                        + URLEncoder.encode(deviceId, StandardCharsets.UTF_8), timeout).GET().build();
        JsonNode list = send(r, MAX_LIST_BYTES, 200).path("offloads");
        if (!list.isArray()) {
            throw new ControllerException("answer without an offloads list", null);
        }
        Set<String> ids = new HashSet<>();
        list.forEach(o -> ids.add(o.path("id").asText()));
        return ids;
    }

    /**
     * GET /proxies, in the background, answer ignored: opens the HTTP connection and loads the client's code
     * at start-up, so the first hand-off does not pay for them (a few hundred ms on a cold JVM).
     */
    public CompletableFuture<Integer> warmUp() {
        return http.sendAsync(request("/proxies", timeout).GET().build(), HttpResponse.BodyHandlers.discarding())
                .thenApply(HttpResponse::statusCode);
    }

    /** POST /connections, in the background; completes with the HTTP status. */
    public CompletableFuture<Integer> report(ObjectNode batch) {
        return http.sendAsync(post("/connections", batch, timeout), HttpResponse.BodyHandlers.discarding())
                .thenApply(HttpResponse::statusCode);
    }

    private HttpRequest post(String path, ObjectNode body, Duration t) {
        return request(path, t).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
    }

    private HttpRequest.Builder request(String path, Duration t) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(t)
                .header("Accept", "application/json");
        return authorization == null ? b : b.header("Authorization", authorization);
    }

    /** A wait the app accepts: 0..{@value #MAX_WAIT_MILLIS} ms. */
    private static long boundedWait(long waitMillis) {
        return Math.max(0, Math.min(MAX_WAIT_MILLIS, waitMillis));
    }

    /** A record id as the app writes them, checked before it goes into a URL path. */
    private static String checkedId(String id) throws ControllerException {
        if (id == null || !ID.matcher(id).matches()) {
            throw new ControllerException("the controller answered an invalid bypass id: " + abbreviate(id), null);
        }
        return id;
    }

    /** Sends {@code r}; the answer must have one of the {@code expected} statuses and be a JSON object. */
    private JsonNode send(HttpRequest r, int limit, int... expected) throws IOException, InterruptedException {
        HttpResponse<InputStream> response;
        String body;
        try {
            response = http.send(r, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                byte[] b = in.readNBytes(limit + 1);
                if (b.length > limit) {
                    throw new ControllerException(r.method() + " " + r.uri().getPath() + " answered more than "
                                                          + limit + " bytes", null);
                }
                body = new String(b, StandardCharsets.UTF_8);
            }
        } catch (HttpTimeoutException e) {
            throw ControllerException.unanswered(r.method() + " " + r.uri().getPath() + " timed out", e);
        } catch (ControllerException e) {
            throw e;
        } catch (IOException e) {
            throw ControllerException.unanswered(r.method() + " " + r.uri().getPath() + " failed: " + e, e);
        }
        int status = response.statusCode();
        if (IntStream.of(expected).noneMatch(e -> e == status)) {
            throw new ControllerException(r.method() + " " + r.uri().getPath() + " answered "
                                                  + response.statusCode() + ": " + abbreviate(body),
                                          response.statusCode());
        }
        try {
            JsonNode n = MAPPER.readTree(body);
            if (n == null || !n.isObject()) {
                throw new ControllerException("answer is not a JSON object: " + abbreviate(body), null);
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ControllerException("answer is not JSON: " + abbreviate(body), e);
        }
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }

    /** The fields of a bypass record the proxy reads. */
    public static final class Record {
        public final String id;
        public final String state;
        public final String reason;

        Record(JsonNode n) throws ControllerException {
            if (!n.path("id").isValueNode() || !n.path("state").isTextual()) {
                throw new ControllerException("answer without id and state: " + abbreviate(n.toString()), null);
            }
            this.id = n.get("id").asText();
            this.state = n.get("state").asText();
            this.reason = n.path("reason").isTextual() ? n.get("reason").asText() : null;
        }
    }

    /** The controller refused, erred, timed out or could not be reached. */
    public static final class ControllerException extends IOException {
        private static final long serialVersionUID = 1L;

        /** The HTTP status the controller answered, or 0 when it did not answer or the answer was unusable. */
        public final int status;
        /** Whether an answer came at all (false: timeout, refused or broken connection). */
        public final boolean answered;

        ControllerException(String message, Throwable cause) {
            super(message, cause);
            this.status = 0;
            this.answered = true;
        }

        ControllerException(String message, int status) {
            super(message);
            this.status = status;
            this.answered = true;
        }

        private ControllerException(String message, Throwable cause, boolean answered) {
            super(message, cause);
            this.status = 0;
            this.answered = answered;
        }

        static ControllerException unanswered(String message, Throwable cause) {
            return new ControllerException(message, cause, false);
        }
    }
}
