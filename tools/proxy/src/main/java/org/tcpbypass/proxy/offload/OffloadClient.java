package org.tcpbypass.proxy.offload;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.tcpbypass.proxy.ProxyConfig;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;

/** The proxy's side of docs/offload-protocol.md: HTTP basic auth, JSON, under the configured base URL. */
public final class OffloadClient {
    /** The app's bypass record states a proxy acts on. */
    public static final String OFFLOADING = "OFFLOADING";
    public static final String BYPASSED = "BYPASSED";
    private static final int MAX_WAIT_MILLIS = 30000;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final HttpClient http;
    private final URI base;
    private final String authorization;
    private final Duration timeout;

    /** A client for the configured controller. */
    public OffloadClient(ProxyConfig.Controller controller) {
        this.base = controller.url;
        this.authorization = "Basic " + Base64.getEncoder().encodeToString(
                (controller.user + ":" + controller.password).getBytes(StandardCharsets.UTF_8));
        this.timeout = Duration.ofMillis(controller.requestTimeoutMillis);
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** POST /offloads; the answer is the record (201). */
    public Record request(ObjectNode offload) throws IOException, InterruptedException {
        return new Record(send(post("/offloads", offload, timeout), 201));
    }

    /** GET /offloads/{id}?wait=; the record once it has left OFFLOADING or the wait has passed. */
    public Record await(String id, long waitMillis) throws IOException, InterruptedException {
        long wait = Math.max(0, Math.min(MAX_WAIT_MILLIS, waitMillis));
        HttpRequest r = request("/offloads/" + id + "?wait=" + wait, timeout.plusMillis(wait)).GET().build();
        return new Record(send(r, 200));
    }

    /** DELETE /offloads/{id}, in the background. */
    public CompletableFuture<Integer> release(String id) {
        HttpRequest r = request("/offloads/" + id, timeout).DELETE().build();
        return http.sendAsync(r, HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode);
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
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(t)
                .header("Authorization", authorization).header("Accept", "application/json");
    }

    private JsonNode send(HttpRequest r, int expected) throws IOException, InterruptedException {
        HttpResponse<String> response;
        try {
            response = http.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (HttpTimeoutException e) {
            throw new ControllerException(r.method() + " " + r.uri().getPath() + " timed out", e);
        } catch (IOException e) {
            throw new ControllerException(r.method() + " " + r.uri().getPath() + " failed: " + e, e);
        }
        if (response.statusCode() != expected) {
            throw new ControllerException(r.method() + " " + r.uri().getPath() + " answered "
                                                  + response.statusCode() + ": " + abbreviate(response.body()),
                                          response.statusCode());
        }
        try {
            JsonNode n = MAPPER.readTree(response.body());
            if (n == null || !n.path("id").isValueNode() || !n.path("state").isTextual()) {
                throw new ControllerException("answer without id and state: " + abbreviate(response.body()), null);
            }
            return n;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ControllerException("answer is not JSON: " + abbreviate(response.body()), e);
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

        Record(JsonNode n) {
            this.id = n.get("id").asText();
            this.state = n.get("state").asText();
            this.reason = n.path("reason").isTextual() ? n.get("reason").asText() : null;
        }
    }

    /** The controller refused, erred, timed out or could not be reached. */
    public static final class ControllerException extends IOException {
        private static final long serialVersionUID = 1L;

        /** The HTTP status the controller answered, or 0 when it did not answer. */
        public final int status;

        ControllerException(String message, Throwable cause) {
            super(message, cause);
            this.status = 0;
        }

        ControllerException(String message, int status) {
            super(message);
            this.status = status;
        }
    }
}
