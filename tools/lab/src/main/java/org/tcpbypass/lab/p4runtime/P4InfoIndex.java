package org.tcpbypass.lab.p4runtime;

import com.google.protobuf.TextFormat;
import p4.config.v1.P4InfoOuterClass.Action;
import p4.config.v1.P4InfoOuterClass.ControllerPacketMetadata;
import p4.config.v1.P4InfoOuterClass.Counter;
import p4.config.v1.P4InfoOuterClass.MatchField;
import p4.config.v1.P4InfoOuterClass.P4Info;
import p4.config.v1.P4InfoOuterClass.Table;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The ids and widths of a P4Info by name, as ONOS's P4InfoBrowser gives them to its codecs: P4Runtime
 * messages carry ids, the PI entries the app builds carry names.
 */
public final class P4InfoIndex {

    private final P4Info p4Info;
    private final Map<String, Table> tables = new HashMap<>();
    private final Map<Integer, Map<String, MatchField>> matchFields = new HashMap<>();
    private final Map<String, Action> actions = new HashMap<>();
    private final Map<Integer, Map<String, Action.Param>> params = new HashMap<>();
    private final Map<String, ControllerPacketMetadata> packetMetadata = new HashMap<>();
    private final Map<String, Counter> counters = new HashMap<>();

    private P4InfoIndex(P4Info p4Info) {
        this.p4Info = p4Info;
        for (Table t : p4Info.getTablesList()) {
            tables.put(t.getPreamble().getName(), t);
            Map<String, MatchField> fields = new HashMap<>();
            t.getMatchFieldsList().forEach(f -> fields.put(f.getName(), f));
            matchFields.put(t.getPreamble().getId(), fields);
        }
        for (Action a : p4Info.getActionsList()) {
            actions.put(a.getPreamble().getName(), a);
            Map<String, Action.Param> byName = new HashMap<>();
            a.getParamsList().forEach(p -> byName.put(p.getName(), p));
            params.put(a.getPreamble().getId(), byName);
        }
        p4Info.getControllerPacketMetadataList().forEach(m -> packetMetadata.put(m.getPreamble().getName(), m));
        p4Info.getCountersList().forEach(c -> counters.put(c.getPreamble().getName(), c));
    }

    /**
     * Parses a P4Info in protobuf text format.
     *
     * @param text the P4Info text
     * @return the index
     */
    public static P4InfoIndex parse(InputStream text) {
        try {
            P4Info.Builder b = P4Info.newBuilder();
            TextFormat.getParser().merge(new InputStreamReader(text, StandardCharsets.UTF_8), b);
            return new P4InfoIndex(b.build());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the P4Info", e);
        }
    }

    /** The P4Info itself, for SetForwardingPipelineConfig. */
    public P4Info p4Info() {
        return p4Info;
    }

    /**
     * Returns a table.
     *
     * @param name fully qualified name, e.g. ingress.bypass.bypass_table
     * @return the table
     * @throws IllegalArgumentException when the P4Info has no such table
     */
    public Table table(String name) {
        return found(tables.get(name), "table", name);
    }

    /**
     * Returns a table's match field.
     *
     * @param tableId table id
     * @param name    field name as in the P4Info, e.g. hdr.ipv4.src_addr
     * @return the match field
     */
    public MatchField matchField(int tableId, String name) {
        return found(matchFields.getOrDefault(tableId, Map.of()).get(name), "match field of table " + tableId, name);
    }

    /**
     * Returns an action.
     *
     * @param name fully qualified name
     * @return the action
     */
    public Action action(String name) {
        return found(actions.get(name), "action", name);
    }

    /**
     * Returns an action's parameter.
     *
     * @param actionId action id
     * @param name     parameter name
     * @return the parameter
     */
    public Action.Param param(int actionId, String name) {
        return found(params.getOrDefault(actionId, Map.of()).get(name), "parameter of action " + actionId, name);
    }

    /**
     * Returns an indirect counter.
     *
     * @param name fully qualified name, e.g. ingress.bypass.anomaly_counter
     * @return the counter
     */
    public Counter counter(String name) {
        return found(counters.get(name), "counter", name);
    }

    /**
     * Returns the metadata of a controller packet header, in header order.
     *
     * @param name "packet_in" or "packet_out"
     * @return its metadata
     */
    public List<ControllerPacketMetadata.Metadata> packetMetadata(String name) {
        return found(packetMetadata.get(name), "controller_packet_metadata", name).getMetadataList();
    }

    private static <T> T found(T value, String kind, String name) {
        if (value == null) {
            throw new IllegalArgumentException("the P4Info has no " + kind + " '" + name + "'");
        }
        return value;
    }
}
