package org.tcpbypass.codec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableList;
import org.onlab.packet.Ip4Address;
import org.onlab.packet.MacAddress;
import org.onosproject.codec.CodecContext;
import org.onosproject.net.DeviceId;

import java.math.BigInteger;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads typed, range-checked values out of JSON objects; every failure is an {@link InvalidFieldException}
 * naming the field.
 */
public final class JsonFields {

    private static final Pattern DOTTED_QUAD = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final int SHOWN_VALUE_LENGTH = 40;

    private JsonFields() {
    }

    /**
     * Returns a field that must be present and not null.
     *
     * @param json  enclosing object
     * @param field field name
     * @return the field's value
     */
    public static JsonNode required(ObjectNode json, String field) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            throw new InvalidFieldException(field, "is required");
        }
        return node;
    }

    /**
     * Returns a field holding a JSON object.
     *
     * @param json  enclosing object
     * @param field field name
     * @return the object
     */
    public static ObjectNode object(ObjectNode json, String field) {
        JsonNode node = required(json, field);
        if (!node.isObject()) {
            throw wrongType(field, "an object", node);
        }
        return (ObjectNode) node;
    }

    /**
     * Returns a field holding a non-empty string.
     *
     * @param json  enclosing object
     * @param field field name
     * @return the string
     */
    public static String text(ObjectNode json, String field) {
        JsonNode node = required(json, field);
        if (!node.isTextual()) {
            throw wrongType(field, "a string", node);
        }
        if (node.textValue().isEmpty()) {
            throw new InvalidFieldException(field, "must not be empty");
        }
        return node.textValue();
    }

    /**
     * Returns a field holding an integer within a range. Fractions, numbers in strings and numbers beyond the
     * range (however large) are rejected.
     *
     * @param json  enclosing object
     * @param field field name
     * @param min   smallest value allowed
     * @param max   largest value allowed
     * @return the integer
     */
    public static long integer(ObjectNode json, String field, long min, long max) {
        JsonNode node = required(json, field);
        if (!node.isIntegralNumber()) {
            throw wrongType(field, "an integer", node);
        }
        BigInteger value = node.bigIntegerValue();
        if (value.compareTo(BigInteger.valueOf(min)) < 0 || value.compareTo(BigInteger.valueOf(max)) > 0) {
            throw new InvalidFieldException(field, shown(value.toString()) + " is not in " + min + ".." + max);
        }
        return value.longValue();
    }

    /**
     * Returns a field holding a boolean.
     *
     * @param json  enclosing object
     * @param field field name
     * @return the boolean
     */
    public static boolean bool(ObjectNode json, String field) {
        JsonNode node = required(json, field);
        if (!node.isBoolean()) {
            throw wrongType(field, "true or false", node);
        }
        return node.booleanValue();
    }

    /**
     * Returns a field holding a boolean, or a default when it is absent or null.
     *
     * @param json         enclosing object
     * @param field        field name
     * @param defaultValue value of an absent field
     * @return the boolean
     */
    public static boolean bool(ObjectNode json, String field, boolean defaultValue) {
        JsonNode node = json.get(field);
        return node == null || node.isNull() ? defaultValue : bool(json, field);
    }

    /**
     * Returns a field holding an IPv4 address in dotted-quad form.
     *
     * @param json  enclosing object
     * @param field field name
     * @return the address
     */
    public static Ip4Address ip4(ObjectNode json, String field) {
        return ip4(field, text(json, field));
    }

    /**
     * Parses an IPv4 address in dotted-quad form.
     *
     * @param field field the text came from
     * @param text  address text
     * @return the address
     */
    public static Ip4Address ip4(String field, String text) {
        // The pattern keeps out IPv6 forms the address parser would map onto IPv4.
        if (DOTTED_QUAD.matcher(text).matches()) {
            try {
                return Ip4Address.valueOf(text);
            } catch (IllegalArgumentException e) {
                // reported below
            }
        }
        throw new InvalidFieldException(field, "'" + shown(text) + "' is not an IPv4 address");
    }

    /**
     * Returns a field holding a MAC address such as {@code 00:00:00:00:00:01}.
     *
     * @param json  enclosing object
     * @param field field name
     * @return the MAC address
     */
    public static MacAddress mac(ObjectNode json, String field) {
        String text = text(json, field);
        try {
            return MacAddress.valueOf(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidFieldException(field, "'" + shown(text) + "' is not a MAC address");
        }
    }

    /**
     * Returns a field holding a device id.
     *
     * @param json  enclosing object
     * @param field field name
     * @return the device id
     */
    public static DeviceId deviceId(ObjectNode json, String field) {
        return deviceId(field, text(json, field));
    }

    /**
     * Parses a device id: a URI with a scheme, such as {@code device:bmv2:s1}.
     *
     * @param field field the text came from
     * @param text  device id text
     * @return the device id
     */
    public static DeviceId deviceId(String field, String text) {
        try {
            DeviceId id = DeviceId.deviceId(text);
            if (id.uri().getScheme() != null && !id.uri().getSchemeSpecificPart().isEmpty()) {
                return id;
            }
        } catch (IllegalArgumentException e) {
            // reported below
        }
        throw new InvalidFieldException(field, "'" + shown(text) + "' is not a device id such as device:bmv2:s1");
    }

    /**
     * Decodes a field holding an object through its codec; errors name the field path.
     *
     * @param json    enclosing object
     * @param field   field name
     * @param type    class of the decoded value
     * @param context codec context
     * @param <T>     decoded type
     * @return the decoded value
     */
    public static <T> T nested(ObjectNode json, String field, Class<T> type, CodecContext context) {
        ObjectNode node = object(json, field);
        try {
            return context.codec(type).decode(node, context);
        } catch (InvalidFieldException e) {
            throw e.within(field);
        }
    }

    /**
     * Decodes a field that may be absent or null.
     *
     * @param json    enclosing object
     * @param field   field name
     * @param type    class of the decoded value
     * @param context codec context
     * @param <T>     decoded type
     * @return the decoded value, if present
     */
    public static <T> Optional<T> optionalNested(ObjectNode json, String field, Class<T> type,
                                                 CodecContext context) {
        JsonNode node = json.get(field);
        return node == null || node.isNull() ? Optional.empty() : Optional.of(nested(json, field, type, context));
    }

    /**
     * Decodes a field holding an array of objects; an absent or null field is an empty list.
     *
     * @param json    enclosing object
     * @param field   field name
     * @param type    class of the elements
     * @param context codec context
     * @param <T>     element type
     * @return the decoded elements, in order
     */
    public static <T> List<T> nestedList(ObjectNode json, String field, Class<T> type, CodecContext context) {
        JsonNode node = json.get(field);
        if (node == null || node.isNull()) {
            return ImmutableList.of();
        }
        if (!node.isArray()) {
            throw wrongType(field, "an array", node);
        }
        ImmutableList.Builder<T> list = ImmutableList.builder();
        for (int i = 0; i < node.size(); i++) {
            String element = field + "[" + i + "]";
            JsonNode item = node.get(i);
            if (!item.isObject()) {
                throw wrongType(element, "an object", item);
            }
            try {
                list.add(context.codec(type).decode((ObjectNode) item, context));
            } catch (InvalidFieldException e) {
                throw e.within(element);
            }
        }
        return list.build();
    }

    private static InvalidFieldException wrongType(String field, String expected, JsonNode node) {
        return new InvalidFieldException(field, "must be " + expected + ", not " + shown(node.toString()));
    }

    // Echoed input stays short: a huge number or string must not blow up the error message.
    private static String shown(String text) {
        return text.length() <= SHOWN_VALUE_LENGTH ? text : text.substring(0, SHOWN_VALUE_LENGTH) + "...";
    }
}
