package org.tcpbypass.rest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.tcpbypass.api.OffloadException;
import org.tcpbypass.codec.InvalidFieldException;

import java.io.IOException;
import java.io.InputStream;

import static org.tcpbypass.api.OffloadException.Reason.TOO_LARGE;

/**
 * Reads a request body that must be one JSON object; anything else is an {@link InvalidFieldException} on
 * {@code body}.
 */
final class JsonBody {

    /** Deepest nesting a request body may have; the protocol's objects need 4 levels. */
    static final int MAX_DEPTH = 16;
    /**
     * Largest request body, bytes: about twice the largest the proxy sends (a report of 10 000 connections with
     * the longest addresses, 1.9 MB).
     */
    static final int MAX_BYTES = 4 << 20;

    private static final String BODY = "body";

    private JsonBody() {
    }

    /**
     * Reads the body, rejecting an oversized body, malformed JSON, duplicate keys, trailing content and deep
     * nesting.
     *
     * @param mapper object mapper
     * @param stream request body
     * @return the JSON object
     * @throws OffloadException TOO_LARGE for a body over {@link #MAX_BYTES}, without reading the rest of it
     */
    static ObjectNode read(ObjectMapper mapper, InputStream stream) {
        JsonNode node;
        try {
            byte[] body = stream.readNBytes(MAX_BYTES + 1);
            if (body.length > MAX_BYTES) {
                throw new OffloadException(TOO_LARGE, "body: larger than " + MAX_BYTES + " bytes");
            }
            checkDepth(mapper, body);
            node = mapper.reader()
                    .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .without(JsonParser.Feature.INCLUDE_SOURCE_IN_LOCATION)
                    .readTree(body);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw new InvalidFieldException(BODY, "malformed JSON" + where + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidFieldException(BODY, "unreadable: " + e.getMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw new InvalidFieldException(BODY, "is required");
        }
        if (!node.isObject()) {
            throw new InvalidFieldException(BODY, "must be a JSON object");
        }
        return (ObjectNode) node;
    }

    // The tree reader recurses once per level: a deeply nested body would overflow the stack, not answer 400.
    private static void checkDepth(ObjectMapper mapper, byte[] body) throws IOException {
        try (JsonParser parser = mapper.getFactory().createParser(body)) {
            parser.disable(JsonParser.Feature.INCLUDE_SOURCE_IN_LOCATION);
            int depth = 0;
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token.isStructStart() && ++depth > MAX_DEPTH) {
                    throw new InvalidFieldException(BODY, "nested deeper than " + MAX_DEPTH + " levels");
                } else if (token.isStructEnd()) {
                    depth--;
                }
            }
        }
    }
}
