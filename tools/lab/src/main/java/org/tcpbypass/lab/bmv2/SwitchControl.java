package org.tcpbypass.lab.bmv2;

import org.onosproject.net.pi.model.PiCounterId;
import org.onosproject.net.pi.runtime.PiCounterCellData;
import org.onosproject.net.pi.runtime.PiPacketOperation;
import org.onosproject.net.pi.runtime.PiTableEntry;

import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * How the lab controller programs the switch and exchanges packets with it: P4Runtime to simple_switch_grpc,
 * as ONOS does, or thrift (simple_switch_CLI) and the CPU port's veth where only simple_switch is built.
 */
public interface SwitchControl extends AutoCloseable {

    /** P4Runtime to simple_switch_grpc. */
    String P4RUNTIME = "p4runtime";
    /** simple_switch_CLI over thrift, packet I/O on the CPU port's veth. */
    String THRIFT = "thrift";

    /**
     * Says which path this is.
     *
     * @return {@link #P4RUNTIME} or {@link #THRIFT}
     */
    String path();

    /**
     * The switch's management address as ONOS's netcfg gives it to the P4Runtime driver.
     *
     * @return {@code grpc://host:port?device_id=N} on the P4Runtime path, empty on thrift
     */
    default Optional<String> managementAddress() {
        return Optional.empty();
    }

    /**
     * Inserts entries, as one batch where the path has batches.
     *
     * @param entries PI entries with direct actions
     * @throws RuntimeException naming what the switch refused
     */
    void insert(List<PiTableEntry> entries);

    /**
     * Deletes entries, as one batch where the path has batches.
     *
     * @param entries entries inserted before (their table, match key and priority identify them)
     */
    void delete(List<PiTableEntry> entries);

    /**
     * Reads the direct counter cells of entries, in one request where the path has batches.
     *
     * @param entries inserted entries of tables with a direct counter
     * @return packets and bytes of each, in the order of the entries
     * @throws RuntimeException when an entry is not on the switch
     */
    List<PiCounterCellData> directCounters(List<PiTableEntry> entries);

    /**
     * Reads the packet counts of an indirect counter's cells, in one request where the path has batches.
     *
     * @param counter an indirect counter of the pipeline
     * @param size    its number of cells
     * @return the packets of cells 0 to size - 1
     * @throws RuntimeException when the switch does not answer every cell
     */
    long[] counterPackets(PiCounterId counter, int size);

    /**
     * Creates a clone session with one replica.
     *
     * @param sessionId clone session id
     * @param port      egress port of the copies
     */
    void addCloneSession(int sessionId, long port);

    /**
     * Sends a packet-out.
     *
     * @param op PI packet operation of type PACKET_OUT, as the interpreter maps it
     */
    void packetOut(PiPacketOperation op);

    /**
     * Sets who receives packet-ins.
     *
     * @param handler called on the path's reader thread with each PACKET_IN operation
     */
    void onPacketIn(Consumer<PiPacketOperation> handler);

    /** Releases the connection to the switch. */
    @Override
    void close();
}
