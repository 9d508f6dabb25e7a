package org.tcpbypass.rest;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.tcpbypass.codec.InvalidFieldException;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads a request body that must be one JSON object; anything else is an {@link InvalidFieldException} on
 * {@code body}.
 */
final class JsonBody {

    /** Deepest nesting a request body may have; the protocol's objects need 4 levels. */
    static final int MAX_DEPTH = 16;

    private static final String BODY = "body";

    private JsonBody() {
    }

    /**
     * Reads the body, rejecting malformed JSON, duplicate keys, trailing content and deep nesting.
     *
     * @param mapper object mapper
     * @param stream request body
     * @return the JSON object
     */
    static ObjectNode read(ObjectMapper mapper, InputStream stream) {
        JsonNode node;
        try {
            byte[] body = stream.readAllBytes();
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
