package org.tcpbypass.impl;

import com.google.common.base.MoreObjects;
import com.google.common.collect.ImmutableList;
import org.onlab.packet.MacAddress;
import org.onosproject.core.ApplicationId;
import org.onosproject.net.DeviceId;
import org.onosproject.net.intent.Intent;
import org.onosproject.net.intent.Key;
import org.tcpbypass.api.Attachment;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.BypassTranslation;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * Intent that one switch carries both directions of one proxied connection, rewriting each segment as the proxy
 * would have relayed it.
 */
public final class TcpBypassIntent extends Intent {

    private final BypassId bypassId;
    private final DeviceId deviceId;
    private final ConnectionTuple tuple;
    private final BypassTranslation translation;
    private final Attachment clientAttachment;
    private final Attachment serverAttachment;
    private final MacAddress proxyMac;

    private TcpBypassIntent(Builder b) {
        super(b.appId, b.key, ImmutableList.of(), b.priority, null);
        this.bypassId = checkNotNull(b.bypassId, "bypassId");
        this.deviceId = checkNotNull(b.deviceId, "deviceId");
        this.tuple = checkNotNull(b.tuple, "tuple");
        this.translation = checkNotNull(b.translation, "translation");
        this.clientAttachment = checkNotNull(b.clientAttachment, "clientAttachment");
        this.serverAttachment = checkNotNull(b.serverAttachment, "serverAttachment");
        this.proxyMac = checkNotNull(b.proxyMac, "proxyMac");
    }

    /**
     * Constructor for serializer.
     */
    private TcpBypassIntent() {
        super();
        this.bypassId = null;
        this.deviceId = null;
        this.tuple = null;
        this.translation = null;
        this.clientAttachment = null;
        this.serverAttachment = null;
        this.proxyMac = null;
    }

    /**
     * Returns the id of the connection's record.
     *
     * @return bypass id
     */
    public BypassId bypassId() {
        return bypassId;
    }

    /**
     * Returns the switch that carries the connection.
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
     * Returns the per-direction rewrite.
     *
     * @return translation
     */
    public BypassTranslation translation() {
        return translation;
    }

    /**
     * Returns where the client (or its next hop) attaches: segments toward the client leave there.
     *
     * @return client attachment
     */
    public Attachment clientAttachment() {
        return clientAttachment;
    }

    /**
     * Returns where the server (or its next hop) attaches: segments toward the server leave there.
     *
     * @return server attachment
     */
    public Attachment serverAttachment() {
        return serverAttachment;
    }

    /**
     * Returns the MAC address rewritten segments carry as source, the proxy's, as the endpoints saw before.
     *
     * @return proxy MAC
     */
    public MacAddress proxyMac() {
        return proxyMac;
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
    public String toString() {
        return MoreObjects.toStringHelper(this)
                .add("key", key()).add("appId", appId()).add("priority", priority()).add("bypassId", bypassId)
                .add("deviceId", deviceId).add("tuple", tuple).add("translation", translation)
                .add("clientAttachment", clientAttachment).add("serverAttachment", serverAttachment)
                .add("proxyMac", proxyMac).toString();
    }

    /**
     * Builds a bypass intent.
     */
    public static final class Builder {
        private ApplicationId appId;
        private Key key;
        private int priority = DEFAULT_INTENT_PRIORITY;
        private BypassId bypassId;
        private DeviceId deviceId;
        private ConnectionTuple tuple;
        private BypassTranslation translation;
        private Attachment clientAttachment;
        private Attachment serverAttachment;
        private MacAddress proxyMac;

        private Builder() {
        }

        /**
         * Sets the application.
         *
         * @param appId application id
         * @return this builder
         */
        public Builder appId(ApplicationId appId) {
            this.appId = appId;
            return this;
        }

        /**
         * Sets the intent key.
         *
         * @param key key
         * @return this builder
         */
        public Builder key(Key key) {
            this.key = key;
            return this;
        }

        /**
         * Sets the flow rule priority.
         *
         * @param priority priority
         * @return this builder
         */
        public Builder priority(int priority) {
            this.priority = priority;
            return this;
        }

        /**
         * Sets the id of the connection's record.
         *
         * @param bypassId bypass id
         * @return this builder
         */
        public Builder bypassId(BypassId bypassId) {
            this.bypassId = bypassId;
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
         * Sets the rewrite.
         *
         * @param translation translation
         * @return this builder
         */
        public Builder translation(BypassTranslation translation) {
            this.translation = translation;
            return this;
        }

        /**
         * Sets where the client attaches.
         *
         * @param attachment client attachment
         * @return this builder
         */
        public Builder clientAttachment(Attachment attachment) {
            this.clientAttachment = attachment;
            return this;
        }

        /**
         * Sets where the server attaches.
         *
         * @param attachment server attachment
         * @return this builder
         */
        public Builder serverAttachment(Attachment attachment) {
            this.serverAttachment = attachment;
            return this;
        }

        /**
         * Sets the proxy's MAC address.
         *
         * @param mac proxy MAC
         * @return this builder
         */
        public Builder proxyMac(MacAddress mac) {
            this.proxyMac = mac;
            return this;
        }

        /**
         * Builds the intent.
         *
         * @return intent
         * @throws NullPointerException naming the first missing field
         */
        public TcpBypassIntent build() {
            return new TcpBypassIntent(this);
        }
    }
}
