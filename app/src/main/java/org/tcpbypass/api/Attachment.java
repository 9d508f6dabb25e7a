package org.tcpbypass.api;

import org.onlab.packet.MacAddress;
import org.onosproject.net.PortNumber;

import java.util.Objects;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * Where a host, or its next hop, attaches to the switch: the switch port and the MAC address frames toward it
 * carry.
 */
public final class Attachment {

    private final PortNumber port;
    private final MacAddress mac;

    private Attachment(PortNumber port, MacAddress mac) {
        this.port = port;
        this.mac = mac;
    }

    /**
     * Returns an attachment.
     *
     * @param port switch port
     * @param mac  MAC address of the host or next hop
     * @return attachment
     */
    public static Attachment of(PortNumber port, MacAddress mac) {
        return new Attachment(checkNotNull(port, "port"), checkNotNull(mac, "mac"));
    }

    /**
     * Returns the switch port.
     *
     * @return port
     */
    public PortNumber port() {
        return port;
    }

    /**
     * Returns the MAC address of the host or next hop.
     *
     * @return MAC address
     */
    public MacAddress mac() {
        return mac;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Attachment)) {
            return false;
        }
        Attachment that = (Attachment) o;
        return port.equals(that.port) && mac.equals(that.mac);
    }

    @Override
    public int hashCode() {
        return Objects.hash(port, mac);
    }

    @Override
    public String toString() {
        return mac + "@" + port;
    }
}
