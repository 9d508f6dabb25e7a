package org.tcpbypass.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.function.Function;

/** A JDK HttpServer standing in for the app's REST API under /onos/tcp-bypass, answering as a test says. */
final class FakeController implements AutoCloseable {
    static final String BASE = "/onos/tcp-bypass";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** One request as received. */
    static final class Request {
        final String method;
        final String path;
        final String query;
        final String authorization;
        final String idempotencyKey;
        final String body;
        final long nanos;

        Request(HttpExchange x, String body) {
            this.method = x.getRequestMethod();
            this.path = x.getRequestURI().getPath().substring(BASE.length());
            this.query = x.getRequestURI().getQuery();
            this.authorization = x.getRequestHeaders().getFirst("Authorization");
            this.idempotencyKey = x.getRequestHeaders().getFirst("Idempotency-Key");
            this.body = body;
            this.nanos = System.nanoTime();
        }

        JsonNode json() throws IOException {
            return MAPPER.readTree(body);
        }
    }

    /** An answer: status, body, and how long to wait before sending it. */
    static final class Answer {
        final int status;
        final String body;
        final long delayMillis;

        Answer(int status, String body, long delayMillis) {
            this.status = status;
            this.body = body;
            this.delayMillis = delayMillis;
        }
    }

    static {
        // The JDK's server writes an answer's headers and body apart without TCP_NODELAY: Nagle held the body for
        // the client's delayed ACK, 40 ms per request, where ONOS's Jetty answers at once.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final HttpServer server;
    private final List<Request> requests = new ArrayList<>();
    private volatile Function<Request, Answer> behaviour;

    /** Binds 127.0.0.1 on an ephemeral port in the calling thread's network namespace. */
    FakeController(Function<Request, Answer> behaviour) throws IOException {
        this.behaviour = behaviour;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-controller");
            t.setDaemon(true);
            return t;
        }));
        server.createContext(BASE, this::handle);
        server.start();
    }

    /** A record answer as the app sends it. */
    static Answer record(int status, String id, String state, String reason) {
        return new Answer(status, "{\"id\": \"" + id + "\", \"proxy\": \"proxy1\", \"deviceId\": \"device:bmv2:s1\","
                + " \"state\": \"" + state + "\", \"reason\": " + (reason == null ? "null" : "\"" + reason + "\"")
                + ", \"history\": []}", 0);
    }

    /** Answers POST /connections with 200 and everything else with {@code offloads}. */
    static Function<Request, Answer> offloads(Function<Request, Answer> offloads) {
        return r -> r.path.equals("/connections") ? new Answer(200, "{\"accepted\": 1}", 0) : offloads.apply(r);
    }

    void behave(Function<Request, Answer> b) {
        this.behaviour = b;
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + BASE;
    }

    int port() {
        return server.getAddress().getPort();
    }

    List<Request> requests() {
        synchronized (requests) {
            return new ArrayList<>(requests);
        }
    }

    List<Request> requests(String method, String pathPrefix) {
        List<Request> out = new ArrayList<>();
        for (Request r : requests()) {
            if (r.method.equals(method) && r.path.startsWith(pathPrefix)) {
                out.add(r);
            }
        }
        return out;
    }

    private void handle(HttpExchange x) throws IOException {
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Request r = new Request(x, body);
        synchronized (requests) {
            requests.add(r);
        }
        Answer a = behaviour.apply(r);
        try {
            Thread.sleep(a.delayMillis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        byte[] out = a.body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().add("Content-Type", "application/json");
        try {
            x.sendResponseHeaders(a.status, out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream o = x.getResponseBody()) {
                    o.write(out);
                }
            }
        } catch (IOException e) {
            // the client gave up waiting (timeout tests): nothing left to answer
            x.close();
        }
        x.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
