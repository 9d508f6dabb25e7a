package org.tcpbypass.lab.p4runtime;

import com.google.protobuf.ByteString;
import org.onlab.util.ImmutableByteSequence;
import org.onosproject.net.pi.model.PiPacketMetadataId;
import org.onosproject.net.pi.model.PiPacketOperationType;
import org.onosproject.net.pi.runtime.PiAction;
import org.onosproject.net.pi.runtime.PiActionParam;
import org.onosproject.net.pi.runtime.PiExactFieldMatch;
import org.onosproject.net.pi.runtime.PiFieldMatch;
import org.onosproject.net.pi.runtime.PiLpmFieldMatch;
import org.onosproject.net.pi.runtime.PiPacketMetadata;
import org.onosproject.net.pi.runtime.PiPacketOperation;
import org.onosproject.net.pi.runtime.PiTableAction;
import org.onosproject.net.pi.runtime.PiTableEntry;
import org.onosproject.net.pi.runtime.PiTernaryFieldMatch;
import p4.config.v1.P4InfoOuterClass;
import p4.config.v1.P4InfoOuterClass.ControllerPacketMetadata;
import p4.v1.P4RuntimeOuterClass.Action;
import p4.v1.P4RuntimeOuterClass.CloneSessionEntry;
import p4.v1.P4RuntimeOuterClass.FieldMatch;
import p4.v1.P4RuntimeOuterClass.PacketIn;
import p4.v1.P4RuntimeOuterClass.PacketMetadata;
import p4.v1.P4RuntimeOuterClass.PacketOut;
import p4.v1.P4RuntimeOuterClass.Replica;
import p4.v1.P4RuntimeOuterClass.TableAction;
import p4.v1.P4RuntimeOuterClass.TableEntry;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import static java.lang.String.format;

/**
 * PI entities to P4Runtime 1.2 messages and back, by the rules ONOS 2.7's P4Runtime codecs apply
 * (TableEntryCodec, FieldMatchCodec, ActionCodec, CloneSessionEntryCodec, PacketOutCodec, PacketInCodec):
 * ids from the P4Info; every match value, mask and action parameter exactly ceil(bitwidth / 8) bytes (the
 * padded form, which P4Runtime servers accept along with the canonical one); a priority only when the PI
 * entry has one (ONOS's translator gives one to tables with a ternary, range or optional field only, and
 * P4Runtime's larger-wins order is the PI order); the flow rule's cookie as controller metadata.
 */
public final class PiEntityCodec {

    private static final String PACKET_IN = "packet_in";
    private static final String PACKET_OUT = "packet_out";

    private final P4InfoIndex p4Info;

    /**
     * Creates a codec for one pipeline.
     *
     * @param p4Info the pipeline's P4Info
     */
    public PiEntityCodec(P4InfoIndex p4Info) {
        this.p4Info = p4Info;
    }

    /**
     * Encodes a table entry for INSERT or MODIFY.
     *
     * @param entry PI entry with a direct action
     * @return the P4Runtime entry
     * @throws IllegalArgumentException when a name is not in the P4Info or a value has the wrong size
     */
    public TableEntry tableEntry(PiTableEntry entry) {
        return key(entry).setControllerMetadata(entry.cookie()).setAction(action(entry.action())).build();
    }

    /**
     * Encodes a table entry's key (table, match, priority), which is what DELETE and reads carry.
     *
     * @param entry PI entry
     * @return the P4Runtime entry without action
     */
    public TableEntry tableEntryKey(PiTableEntry entry) {
        return key(entry).build();
    }

    /**
     * Encodes a clone session with one replica, as ONOS's group driver writes a CLONE group.
     *
     * @param sessionId clone session id
     * @param port      the replica's egress port
     * @return the P4Runtime clone session entry
     */
    public CloneSessionEntry cloneSession(int sessionId, long port) {
        return CloneSessionEntry.newBuilder()
                .setSessionId(sessionId)
                .addReplicas(Replica.newBuilder().setEgressPort(Math.toIntExact(port)).setInstance(0))
                .build();
    }

    /**
     * Encodes a packet-out: metadata by id from the P4Info's packet_out header, values as the interpreter gave them.
     *
     * @param op PI packet operation of type PACKET_OUT
     * @return the P4Runtime packet-out
     */
    public PacketOut packetOut(PiPacketOperation op) {
        List<ControllerPacketMetadata.Metadata> model = p4Info.packetMetadata(PACKET_OUT);
        PacketOut.Builder out = PacketOut.newBuilder().setPayload(bytes(op.data()));
        for (PiPacketMetadata m : op.metadatas()) {
            ControllerPacketMetadata.Metadata meta = model.stream()
                    .filter(x -> x.getName().equals(m.id().id())).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("packet_out has no metadata " + m.id()));
            out.addMetadata(PacketMetadata.newBuilder().setMetadataId(meta.getId()).setValue(bytes(m.value())));
        }
        return out.build();
    }

    /**
     * Decodes a packet-in: metadata by name from the P4Info's packet_in header, each value fitted to its width
     * (servers may send the canonical, shortest form).
     *
     * @param in P4Runtime packet-in
     * @return PI packet operation of type PACKET_IN
     */
    public PiPacketOperation packetIn(PacketIn in) {
        List<ControllerPacketMetadata.Metadata> model = p4Info.packetMetadata(PACKET_IN);
        List<PiPacketMetadata> metadata = new ArrayList<>();
        for (PacketMetadata m : in.getMetadataList()) {
            ControllerPacketMetadata.Metadata meta = model.stream()
                    .filter(x -> x.getId() == m.getMetadataId()).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("packet_in has no metadata id "
                                                                            + m.getMetadataId()));
            try {
                metadata.add(PiPacketMetadata.builder().withId(PiPacketMetadataId.of(meta.getName()))
                                     .withValue(ImmutableByteSequence.copyAndFit(
                                             m.getValue().asReadOnlyByteBuffer(), meta.getBitwidth()))
                                     .build());
            } catch (ImmutableByteSequence.ByteSequenceTrimException e) {
                throw new IllegalArgumentException("packet_in metadata " + meta.getName() + ": " + e.getMessage(), e);
            }
        }
        return PiPacketOperation.builder().withType(PiPacketOperationType.PACKET_IN).withMetadatas(metadata)
                .withData(ImmutableByteSequence.copyFrom(in.getPayload().asReadOnlyByteBuffer())).build();
    }

    private TableEntry.Builder key(PiTableEntry entry) {
        P4InfoOuterClass.Table table = p4Info.table(entry.table().id());
        int tableId = table.getPreamble().getId();
        TableEntry.Builder b = TableEntry.newBuilder().setTableId(tableId);
        for (PiFieldMatch m : entry.matchKey().fieldMatches()) {
            b.addMatch(fieldMatch(m, p4Info.matchField(tableId, m.fieldId().id()), table.getPreamble().getName()));
        }
        entry.priority().ifPresent(b::setPriority);
        return b;
    }

    private static FieldMatch fieldMatch(PiFieldMatch m, P4InfoOuterClass.MatchField field, String table) {
        // Named only when a check fails: formatting it for every field was a fifth of the lab's encoding time.
        Supplier<String> what = () -> format("field match '%s' of table '%s'", field.getName(), table);
        FieldMatch.Builder b = FieldMatch.newBuilder().setFieldId(field.getId());
        switch (m.type()) {
            case EXACT:
                return b.setExact(FieldMatch.Exact.newBuilder()
                        .setValue(sized(((PiExactFieldMatch) m).value(), field.getBitwidth(),
                                        () -> "value of " + what.get())))
                        .build();
            case TERNARY:
                PiTernaryFieldMatch t = (PiTernaryFieldMatch) m;
                return b.setTernary(FieldMatch.Ternary.newBuilder()
                        .setValue(sized(t.value(), field.getBitwidth(), () -> "value of " + what.get()))
                        .setMask(sized(t.mask(), field.getBitwidth(), () -> "mask of " + what.get())))
                        .build();
            case LPM:
                PiLpmFieldMatch l = (PiLpmFieldMatch) m;
                if (l.prefixLength() > field.getBitwidth()) {
                    throw new IllegalArgumentException(format("prefix length %d of %s exceeds %d bits",
                                                              l.prefixLength(), what.get(), field.getBitwidth()));
                }
                return b.setLpm(FieldMatch.LPM.newBuilder()
                        .setValue(sized(l.value(), field.getBitwidth(), () -> "value of " + what.get()))
                        .setPrefixLen(l.prefixLength()))
                        .build();
            default:
                throw new IllegalArgumentException("match type " + m.type() + " of " + what.get()
                                                           + " is not supported");
        }
    }

    private TableAction action(PiTableAction tableAction) {
        if (!(tableAction instanceof PiAction)) {
            throw new IllegalArgumentException("only direct actions are supported, got " + tableAction.type());
        }
        PiAction a = (PiAction) tableAction;
        int actionId = p4Info.action(a.id().id()).getPreamble().getId();
        Action.Builder b = Action.newBuilder().setActionId(actionId);
        for (PiActionParam p : a.parameters()) {
            P4InfoOuterClass.Action.Param param = p4Info.param(actionId, p.id().id());
            b.addParams(Action.Param.newBuilder().setParamId(param.getId())
                                .setValue(sized(p.value(), param.getBitwidth(),
                                                () -> format("param '%s' of action '%s'", p.id(), a.id()))));
        }
        return TableAction.newBuilder().setAction(b).build();
    }

    // ONOS's Utils.assertSize: the value must already be exactly as wide as the field, in whole bytes.
    private static ByteString sized(ImmutableByteSequence value, int bitWidth, Supplier<String> what) {
        int bytes = (bitWidth + 7) / 8;
        if (value.size() != bytes) {
            throw new IllegalArgumentException(format("wrong size for %s, expected %d bytes, but found %d",
                                                      what.get(), bytes, value.size()));
        }
        return bytes(value);
    }

    private static ByteString bytes(ImmutableByteSequence value) {
        return ByteString.copyFrom(value.asReadOnlyBuffer());
    }
}
