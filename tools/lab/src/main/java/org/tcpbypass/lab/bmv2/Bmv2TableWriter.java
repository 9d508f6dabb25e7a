package org.tcpbypass.lab.bmv2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.model.PiMatchFieldId;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.net.pi.runtime.PiExactFieldMatch;
import org.onosproject.net.pi.runtime.PiFieldMatch;
import org.onosproject.net.pi.runtime.PiLpmFieldMatch;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.onosproject.net.pi.runtime.PiTernaryFieldMatch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Writes PI table entries to BMv2 through its CLI, in the key and parameter order of the BMv2 JSON:
 * what ONOS's P4Runtime client and BMv2's P4Runtime server do together on a real deployment.
 */
public final class Bmv2TableWriter {

    private final Bmv2Cli cli;
    private final Map<String, List<Key>> keys = new HashMap<>();
    private final Map<String, List<String>> params = new HashMap<>();

    /**
     * Creates a writer for the switch behind a CLI session.
     *
     * @param cli  session
     * @param json the BMv2 JSON the switch runs
     */
    public Bmv2TableWriter(Bmv2Cli cli, Path json) {
        this.cli = cli;
        try {
            JsonNode root = new ObjectMapper().readTree(json.toFile());
            for (JsonNode pipeline : root.path("pipelines")) {
                for (JsonNode table : pipeline.path("tables")) {
                    List<Key> k = new ArrayList<>();
                    table.path("key").forEach(f -> k.add(new Key(f.path("name").asText(),
                                                                  f.path("match_type").asText())));
                    keys.put(table.path("name").asText(), k);
                }
            }
            for (JsonNode action : root.path("actions")) {
                List<String> p = new ArrayList<>();
                action.path("runtime_data").forEach(d -> p.add(d.path("name").asText()));
                params.put(action.path("name").asText(), p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read BMv2 JSON " + json, e);
        }
    }

    /**
     * Adds an entry.
     *
     * @param entry PI table entry with a direct action
     * @return BMv2 entry handle
     */
    public long add(PiTableEntry entry) {
        String table = entry.table().id();
        List<Key> tableKeys = keys.get(table);
        if (tableKeys == null) {
            throw new Bmv2Exception("the switch has no table " + table);
        }
        List<String> match = new ArrayList<>();
        boolean needsPriority = false;
        for (Key k : tableKeys) {
            Optional<PiFieldMatch> m = entry.matchKey().fieldMatch(PiMatchFieldId.of(k.name));
            needsPriority |= k.type.equals("ternary") || k.type.equals("range") || k.type.equals("optional");
            match.add(m.map(Bmv2TableWriter::format).orElseGet(() -> wildcard(table, k)));
        }
        PiAction action = (PiAction) entry.action();
        List<String> order = params.get(action.id().id());
        if (order == null) {
            throw new Bmv2Exception("the switch has no action " + action.id());
        }
        List<String> values = new ArrayList<>();
        for (String name : order) {
            PiActionParam p = action.parameters().stream().filter(a -> a.id().id().equals(name)).findFirst()
                    .orElseThrow(() -> new Bmv2Exception("action " + action.id() + " lacks parameter " + name));
            values.add(hex(p.value()));
        }
        // BMv2's own priorities are the other way round from P4Runtime's: the smallest value wins.
        int priority = needsPriority
                ? org.tcpbypass.lab.onos.FlowRuleTranslator.MAX_PI_PRIORITY - entry.priority().orElse(1) : -1;
        return cli.tableAdd(table, action.id().id(), match, values, priority);
    }

    /**
     * Deletes an entry.
     *
     * @param table  table name
     * @param handle entry handle
     */
    public void delete(String table, long handle) {
        cli.tableDelete(table, handle);
    }

    /**
     * Reads a counter cell: an entry's direct counter, or an indirect counter's at an index.
     *
     * @param counter counter name
     * @param handle  entry handle (direct counter) or cell index (indirect)
     * @return {packets, bytes}
     */
    public long[] counter(String counter, long handle) {
        return cli.counterRead(counter, handle);
    }

    private static String wildcard(String table, Key k) {
        if (k.type.equals("ternary") || k.type.equals("optional")) {
            return "0&&&0";
        }
        throw new Bmv2Exception("entry for " + table + " lacks " + k.type + " field " + k.name);
    }

    private static String format(PiFieldMatch m) {
        switch (m.type()) {
            case EXACT:
                return hex(((PiExactFieldMatch) m).value());
            case TERNARY:
                PiTernaryFieldMatch t = (PiTernaryFieldMatch) m;
                return hex(t.value()) + "&&&" + hex(t.mask());
            case LPM:
                PiLpmFieldMatch l = (PiLpmFieldMatch) m;
                return hex(l.value()) + "/" + l.prefixLength();
            default:
                throw new Bmv2Exception("match type " + m.type() + " is not supported by the lab");
        }
    }

    private static String hex(ImmutableByteSequence v) {
        StringBuilder sb = new StringBuilder("0x");
        for (byte b : v.asArray()) {
            sb.append(String.format("%02x", b));
        }
        return sb.toString();
    }

    private static final class Key {
        final String name;
        final String type;

        Key(String name, String type) {
            this.name = name;
            this.type = type;
        }
    }
}
