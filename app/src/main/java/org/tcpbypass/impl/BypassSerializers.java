package org.tcpbypass.impl;

import org.onlab.util.KryoNamespace;
import org.onosproject.store.serializers.KryoNamespaces;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassCounters;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassTranslation;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.StateChange;
import org.tcpbypass.api.TcpEndpoint;

/**
 * Kryo registrations of every type the bypass store shares across the cluster.
 */
final class BypassSerializers {

    /** ONOS's API types followed by the app's. */
    static final KryoNamespace NAMESPACE = KryoNamespace.newBuilder()
            .register(KryoNamespaces.API)
            .nextId(KryoNamespaces.BEGIN_USER_CUSTOM_ID)
            .register(BypassId.class, Bypass.class, BypassState.class, ConnectionTuple.class, TcpEndpoint.class,
                      BypassTranslation.class, BypassCounters.class, StateChange.class, Leg.class,
                      IdempotencyKey.class)
            .build("tcp-bypass");

    private BypassSerializers() {
    }
}
