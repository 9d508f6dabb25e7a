package org.tcpbypass.api;

import com.google.common.base.MoreObjects;
import org.onosproject.net.DeviceId;

import java.util.Objects;
import java.util.Optional;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * A proxy's request to hand one established connection to the switch.
 */
public final class OffloadRequest {

    private final String proxy;
    private final DeviceId deviceId;
    private final ConnectionTuple tuple;
    private final LegState clientLeg;
    private final LegState serverLeg;
    private final Attachment clientAttachment;
    private final Attachment serverAttachment;

    private OffloadRequest(Builder b) {
        this.proxy = b.proxy;
        this.deviceId = b.deviceId;
        this.tuple = b.tuple;
        this.clientLeg = b.clientLeg;
        this.serverLeg = b.serverLeg;
        this.clientAttachment = b.clientAttachment;
        this.serverAttachment = b.serverAttachment;
    }

    /**
     * Returns the name of the requesting proxy, as registered in the network configuration.
     *
     * @return proxy name
     */
    public String proxy() {
        return proxy;
    }

    /**
     * Returns the switch that is to carry the connection.
     *
     * @return device id
     */
    public DeviceId deviceId() {
        return deviceId;
    }

    /**
     * Returns the connection's endpoints.
     *
     * @return tuple
     */
    public ConnectionTuple tuple() {
        return tuple;
    }

    /**
     * Returns the client leg's state.
     *
     * @return client leg state
     */
    public LegState clientLeg() {
        return clientLeg;
    }

    /**
     * Returns the server leg's state.
     *
     * @return server leg state
     */
    public LegState serverLeg() {
        return serverLeg;
    }

    /**
     * Returns where the client (or its next hop) attaches, if the proxy knows; otherwise the app resolves it.
     *
     * @return client attachment
     */
    public Optional<Attachment> clientAttachment() {
        return Optional.ofNullable(clientAttachment);
    }

    /**
     * Returns where the server (or its next hop) attaches, if the proxy knows; otherwise the app resolves it.
     *
     * @return server attachment
     */
    public Optional<Attachment> serverAttachment() {
        return Optional.ofNullable(serverAttachment);
    }

    /**
     * Returns a new builder.
     *
     * @return builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof OffloadRequest)) {
            return false;
        }
        OffloadRequest that = (OffloadRequest) o;
        return proxy.equals(that.proxy) && deviceId.equals(that.deviceId) && tuple.equals(that.tuple)
                && clientLeg.equals(that.clientLeg) && serverLeg.equals(that.serverLeg)
                && Objects.equals(clientAttachment, that.clientAttachment)
                && Objects.equals(serverAttachment, that.serverAttachment);
    }

    @Override
    public int hashCode() {
        return Objects.hash(proxy, deviceId, tuple, clientLeg, serverLeg, clientAttachment, serverAttachment);
    }

    @Override
    public String toString() {
        return MoreObjects.toStringHelper(this)
                .add("proxy", proxy).add("deviceId", deviceId).add("tuple", tuple)
                .add("clientLeg", clientLeg).add("serverLeg", serverLeg)
                .add("clientAttachment", clientAttachment).add("serverAttachment", serverAttachment)
                .toString();
    }

    /**
     * Builds an offload request.
     */
    public static final class Builder {
        private String proxy;
        private DeviceId deviceId;
        private ConnectionTuple tuple;
        private LegState clientLeg;
        private LegState serverLeg;
        private Attachment clientAttachment;
        private Attachment serverAttachment;

        private Builder() {
        }

        /**
         * Sets the proxy name.
         *
         * @param proxy registered proxy name
         * @return this builder
         */
        public Builder proxy(String proxy) {
            this.proxy = proxy;
            return this;
        }

        /**
         * Sets the switch.
         *
         * @param deviceId device id
         * @return this builder
         */
        public Builder deviceId(DeviceId deviceId) {
            this.deviceId = deviceId;
            return this;
        }

        /**
         * Sets the endpoints.
         *
         * @param tuple connection tuple
         * @return this builder
         */
        public Builder tuple(ConnectionTuple tuple) {
            this.tuple = tuple;
            return this;
        }

        /**
         * Sets the client leg's state.
         *
         * @param clientLeg state
         * @return this builder
         */
        public Builder clientLeg(LegState clientLeg) {
            this.clientLeg = clientLeg;
            return this;
        }

        /**
         * Sets the server leg's state.
         *
         * @param serverLeg state
         * @return this builder
         */
        public Builder serverLeg(LegState serverLeg) {
            this.serverLeg = serverLeg;
            return this;
        }

        /**
         * Sets where the client attaches.
         *
         * @param attachment attachment, or null to resolve through the host service
         * @return this builder
         */
        public Builder clientAttachment(Attachment attachment) {
            this.clientAttachment = attachment;
            return this;
        }

        /**
         * Sets where the server attaches.
         *
         * @param attachment attachment, or null to resolve through the host service
         * @return this builder
         */
        public Builder serverAttachment(Attachment attachment) {
            this.serverAttachment = attachment;
            return this;
        }

        /**
         * Builds the request.
         *
         * @return request
         * @throws NullPointerException naming the first missing mandatory field
         */
        public OffloadRequest build() {
            checkNotNull(proxy, "proxy");
            checkNotNull(deviceId, "deviceId");
            checkNotNull(tuple, "tuple");
            checkNotNull(clientLeg, "clientLeg");
            checkNotNull(serverLeg, "serverLeg");
            return new OffloadRequest(this);
        }
    }
}
