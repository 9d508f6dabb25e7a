package org.tcpbypass.proxy.offload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.tcpbypass.proxy.ProxyConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
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

    /**
     * Idle connections kept to the controller: one per hand-off that may run at once. The JDK keeps 5 by default, so
     * a burst of hand-offs would otherwise open a new connection for most of its requests.
     */
    private static final int KEEP_ALIVE_CONNECTIONS = 64;

    private final URI base;
    private final String authorization;
    private final int timeoutMillis;
    private final SSLSocketFactory tls;
    /** Runs the requests nobody waits for (warm-up, reports), one at a time. */
    private final ExecutorService background = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "controller-background");
        t.setDaemon(true);
        return t;
    });

    /**
     * A client for the configured controller. Requests are blocking exchanges on the calling thread
     * (HttpURLConnection, connections kept alive): java.net.http's HttpClient hands every exchange to its selector
     * and executor threads and back. Measured (50 POSTs to a local JDK HttpServer, fresh JVMs): 4.4 ms a request
     * against 1.8 with 100 ms between requests, 1.9 against 0.9 back to back; in the lab's hand-offs the proxy's
     * POST took 5 to 8 ms longer than the app took to answer it.
     */
    public OffloadClient(ProxyConfig.Controller controller) throws IOException {
        this.base = controller.url;
        this.authorization = controller.user == null ? null : "Basic " + Base64.getEncoder().encodeToString(
                (controller.user + ":" + controller.password).getBytes(StandardCharsets.UTF_8));
        this.timeoutMillis = controller.requestTimeoutMillis;
        this.tls = controller.caFile == null ? null : trusting(controller.caFile).getSocketFactory();
        if (System.getProperty("http.maxConnections") == null) {
            System.setProperty("http.maxConnections", Integer.toString(KEEP_ALIVE_CONNECTIONS));
        }
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
        return new Record(send(new Exchange("POST", "/offloads?wait=" + wait, wait).body(offload)
                                       .header(IDEMPOTENCY_KEY, idempotencyKey), MAX_ANSWER_BYTES, 201, 200));
    }

    /** GET /offloads/{id}?wait=; the record once it has left OFFLOADING or the wait has passed. */
    public Record await(String id, long waitMillis) throws IOException, InterruptedException {
        long wait = boundedWait(waitMillis);
        return new Record(send(new Exchange("GET", "/offloads/" + checkedId(id) + "?wait=" + wait, wait),
                               MAX_ANSWER_BYTES, 200));
    }

    /**
     * DELETE /offloads/{id}?ifState=OFFLOADING: releases the bypass only while it is still being set up; the
     * answer is the record either way (200 released, 202 being released, 409 when it had already left
     * OFFLOADING, e.g. BYPASSED).
     */
    public Record cancel(String id) throws IOException, InterruptedException {
        // The app answers once the switch's entries are withdrawn, after at most 5 s (then 202).
        return new Record(send(new Exchange("DELETE", "/offloads/" + checkedId(id) + "?ifState=" + OFFLOADING,
                                            RELEASE_ANSWER_MILLIS), MAX_ANSWER_BYTES, 200, 202, 409));
    }

    /**
     * DELETE /offloads?proxy=&idempotencyKey=&ifState=OFFLOADING: cancels an offload request that got no answer, so
     * the key makes no bypass from then on. Empty if it made none (204); otherwise its record as {@link #cancel}
     * answers it. A 409 without a record (the request still being processed) counts as no answer.
     */
    public Optional<Record> cancelRequest(String proxy, String idempotencyKey)
            throws IOException, InterruptedException {
        Exchange e = new Exchange("DELETE", "/offloads?proxy=" + URLEncoder.encode(proxy, StandardCharsets.UTF_8)
                + "&idempotencyKey=" + URLEncoder.encode(idempotencyKey, StandardCharsets.UTF_8) + "&ifState="
                + OFFLOADING, RELEASE_ANSWER_MILLIS);
        Answer a = e.exchange(MAX_ANSWER_BYTES);
        if (a.status == 204) {
            return Optional.empty();
        }
        JsonNode n = parse(e, a, 200, 202, 409);
        if (a.status == 409 && !n.has("state")) {
            // The request holding the key is still being processed: as good as no answer, asked again.
            throw ControllerException.unanswered(e.method + " " + e.path() + " answered 409: "
                                                         + abbreviate(a.body), null);
        }
        return Optional.of(new Record(n));
    }

    /** GET /offloads?state=BYPASSED&deviceId=: the ids of the device's live bypasses. */
    public Set<String> bypassed(String deviceId) throws IOException, InterruptedException {
        JsonNode list = send(new Exchange("GET", "/offloads?state=" + BYPASSED + "&deviceId="
                + URLEncoder.encode(deviceId, StandardCharsets.UTF_8), 0), MAX_LIST_BYTES, 200).path("offloads");
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
        return inBackground(new Exchange("GET", "/proxies", 0));
    }

    /** POST /connections, in the background; completes with the HTTP status. */
    public CompletableFuture<Integer> report(ObjectNode batch) {
        return inBackground(new Exchange("POST", "/connections", 0).body(batch));
    }

    private CompletableFuture<Integer> inBackground(Exchange e) {
        CompletableFuture<Integer> status = new CompletableFuture<>();
        background.execute(() -> {
            try {
                status.complete(e.exchange(MAX_LIST_BYTES).status);
            } catch (IOException | RuntimeException failed) {
                status.completeExceptionally(failed);
            }
        });
        return status;
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

    /** Sends {@code e}; the answer must have one of the {@code expected} statuses and be a JSON object. */
    private JsonNode send(Exchange e, int limit, int... expected) throws IOException {
        return parse(e, e.exchange(limit), expected);
    }

    /** The answer to {@code e}, which must have one of the {@code expected} statuses and be a JSON object. */
    private static JsonNode parse(Exchange e, Answer a, int... expected) throws ControllerException {
        if (IntStream.of(expected).noneMatch(x -> x == a.status)) {
            throw new ControllerException(e.method + " " + e.path() + " answered " + a.status + ": "
                                                  + abbreviate(a.body), a.status);
        }
        try {
            JsonNode n = MAPPER.readTree(a.body);
            if (n == null || !n.isObject()) {
                throw new ControllerException("answer is not a JSON object: " + abbreviate(a.body), null);
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException x) {
            throw new ControllerException("answer is not JSON: " + abbreviate(a.body), x);
        }
    }

    /** A status and the body read with it. */
    private static final class Answer {
        final int status;
        final String body;

        Answer(int status, String body) {
            this.status = status;
            this.body = body;
        }
    }

    /** One request: method, path under the base URL, headers, optional JSON body, and how long the answer may take. */
    private final class Exchange {
        final String method;
        final URI uri;
        final int readTimeoutMillis;
        final Map<String, String> headers = new LinkedHashMap<>();
        byte[] body;

        Exchange(String method, String path, long extraMillis) {
            this.method = method;
            this.uri = URI.create(base + path);
            this.readTimeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeoutMillis + extraMillis);
            headers.put("Accept", "application/json");
            if (authorization != null) {
                headers.put("Authorization", authorization);
            }
        }

        Exchange header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        Exchange body(ObjectNode json) {
            headers.put("Content-Type", "application/json");
            body = json.toString().getBytes(StandardCharsets.UTF_8);
            return this;
        }

        String path() {
            return uri.getPath();
        }

        /*
         * The connection goes back to the JDK's keep-alive pool once its answer is read to the end; an answer over
         * the limit is refused unread and its connection closed.
         */
        Answer exchange(int limit) throws IOException {
            HttpURLConnection h;
            try {
                h = (HttpURLConnection) uri.toURL().openConnection();
                if (tls != null) {
                    ((HttpsURLConnection) h).setSSLSocketFactory(tls);
                }
                h.setRequestMethod(method);
                h.setConnectTimeout(timeoutMillis);
                h.setReadTimeout(readTimeoutMillis);
                h.setUseCaches(false);
                h.setInstanceFollowRedirects(false);
                headers.forEach(h::setRequestProperty);
                if (body != null) {
                    // Buffered, not streamed: before a streaming POST on a kept-alive connection the JDK reads it with
                    // a 1 ms timeout to learn whether the server closed it (1.4 ms more a POST, measured); a buffered
                    // body leaves with its headers in one write, and the JDK sends it once more on a new connection
                    // when the kept-alive one was closed, which both POSTs allow: an offload carries an
                    // Idempotency-Key, a connection report records each tuple once.
                    h.setDoOutput(true);
                    try (OutputStream o = h.getOutputStream()) {
                        o.write(body);
                    }
                }
                int status = h.getResponseCode();
                InputStream stream = status >= 400 ? h.getErrorStream() : h.getInputStream();
                if (stream == null) {
                    return new Answer(status, "");
                }
                try (InputStream in = stream) {
                    byte[] b = in.readNBytes(limit + 1);
                    if (b.length > limit) {
                        h.disconnect();
                        throw new ControllerException(method + " " + path() + " answered more than " + limit
                                                              + " bytes", null);
                    }
                    return new Answer(status, new String(b, StandardCharsets.UTF_8));
                }
            } catch (SocketTimeoutException e) {
                throw ControllerException.unanswered(method + " " + path() + " timed out", e);
            } catch (ControllerException e) {
                throw e;
            } catch (IOException e) {
                throw ControllerException.unanswered(method + " " + path() + " failed: " + e, e);
            }
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
