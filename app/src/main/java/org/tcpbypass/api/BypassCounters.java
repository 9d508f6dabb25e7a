package org.tcpbypass.api;

import java.util.Objects;

/**
 * Packets and bytes the switch's bypass table carried for one bypassed connection, per direction.
 */
public final class BypassCounters {

    /** No traffic yet. */
    public static final BypassCounters ZERO = new BypassCounters(0, 0, 0, 0);

    private final long packetsToServer;
    private final long bytesToServer;
    private final long packetsToClient;
    private final long bytesToClient;

    private BypassCounters(long packetsToServer, long bytesToServer, long packetsToClient, long bytesToClient) {
        this.packetsToServer = packetsToServer;
        this.bytesToServer = bytesToServer;
        this.packetsToClient = packetsToClient;
        this.bytesToClient = bytesToClient;
    }

    /**
     * Returns counters.
     *
     * @param packetsToServer packets client to server
     * @param bytesToServer   bytes client to server
     * @param packetsToClient packets server to client
     * @param bytesToClient   bytes server to client
     * @return counters
     */
    public static BypassCounters of(long packetsToServer, long bytesToServer,
                                    long packetsToClient, long bytesToClient) {
        return new BypassCounters(packetsToServer, bytesToServer, packetsToClient, bytesToClient);
    }

    /**
     * Returns packets carried client to server.
     *
     * @return packet count
     */
    public long packetsToServer() {
        return packetsToServer;
    }

    /**
     * Returns bytes carried client to server.
     *
     * @return byte count
     */
    public long bytesToServer() {
        return bytesToServer;
    }

    /**
     * Returns packets carried server to client.
     *
     * @return packet count
     */
    public long packetsToClient() {
        return packetsToClient;
    }

    /**
     * Returns bytes carried server to client.
     *
     * @return byte count
     */
    public long bytesToClient() {
        return bytesToClient;
    }

    /**
     * Returns packets carried in both directions.
     *
     * @return packet count
     */
    public long packets() {
        return packetsToServer + packetsToClient;
    }

    /**
     * Returns bytes carried in both directions.
     *
     * @return byte count
     */
    public long bytes() {
        return bytesToServer + bytesToClient;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof BypassCounters)) {
            return false;
        }
        BypassCounters that = (BypassCounters) o;
        return packetsToServer == that.packetsToServer && bytesToServer == that.bytesToServer
                && packetsToClient == that.packetsToClient && bytesToClient == that.bytesToClient;
    }

    @Override
    public int hashCode() {
        return Objects.hash(packetsToServer, bytesToServer, packetsToClient, bytesToClient);
    }

    @Override
    public String toString() {
        return packets() + " packets / " + bytes() + " bytes";
    }
}
