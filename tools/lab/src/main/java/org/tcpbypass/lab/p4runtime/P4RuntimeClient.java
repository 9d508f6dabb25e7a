package org.tcpbypass.lab.p4runtime;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import p4.config.v1.P4InfoOuterClass.P4Info;
import p4.v1.P4RuntimeGrpc;
import p4.v1.P4RuntimeOuterClass.Entity;
import p4.v1.P4RuntimeOuterClass.ForwardingPipelineConfig;
import p4.v1.P4RuntimeOuterClass.MasterArbitrationUpdate;
import p4.v1.P4RuntimeOuterClass.PacketIn;
import p4.v1.P4RuntimeOuterClass.PacketOut;
import p4.v1.P4RuntimeOuterClass.ReadRequest;
import p4.v1.P4RuntimeOuterClass.ReadResponse;
import p4.v1.P4RuntimeOuterClass.SetForwardingPipelineConfigRequest;
import p4.v1.P4RuntimeOuterClass.StreamMessageRequest;
import p4.v1.P4RuntimeOuterClass.StreamMessageResponse;
import p4.v1.P4RuntimeOuterClass.Uint128;
import p4.v1.P4RuntimeOuterClass.Update;
import p4.v1.P4RuntimeOuterClass.WriteRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A P4Runtime 1.2 client for one device, as ONOS's P4RuntimeClientImpl uses one: a stream channel on which
 * it becomes primary (master) with its election id and which carries packet-in and packet-out, and unary
 * SetForwardingPipelineConfig, Write and Read calls carrying the same device and election id.
 */
public final class P4RuntimeClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(P4RuntimeClient.class);
    private static final long CALL_TIMEOUT_SECONDS = 10;

    private final ManagedChannel channel;
    private final P4RuntimeGrpc.P4RuntimeBlockingStub blocking;
    private final long deviceId;
    private final Uint128 electionId;
    private final CompletableFuture<Void> primary = new CompletableFuture<>();
    private final StreamObserver<StreamMessageRequest> stream;
    private volatile Consumer<PacketIn> packetIns = p -> { };

    private P4RuntimeClient(ManagedChannel channel, long deviceId, long electionId) {
        this.channel = channel;
        this.blocking = P4RuntimeGrpc.newBlockingStub(channel);
        this.deviceId = deviceId;
        this.electionId = Uint128.newBuilder().setHigh(0).setLow(electionId).build();
        this.stream = P4RuntimeGrpc.newStub(channel).streamChannel(new StreamReader());
    }

    /**
     * Connects to a P4Runtime server and becomes primary for a device.
     *
     * @param host       server address
     * @param port       server port
     * @param deviceId   P4Runtime device id
     * @param electionId election id, greater than zero
     * @return a client that is primary for the device
     * @throws P4RuntimeException when the server does not make this client primary in time
     */
    public static P4RuntimeClient connect(String host, int port, long deviceId, long electionId) {
        ManagedChannel channel = NettyChannelBuilder.forAddress(host, port).usePlaintext()
                .maxInboundMessageSize(64 << 20).build();
        P4RuntimeClient client = new P4RuntimeClient(channel, deviceId, electionId);
        try {
            client.arbitrate();
        } catch (RuntimeException e) {
            client.close();
            throw e;
        }
        return client;
    }

    private void arbitrate() {
        send(StreamMessageRequest.newBuilder().setArbitration(
                MasterArbitrationUpdate.newBuilder().setDeviceId(deviceId).setElectionId(electionId)).build());
        try {
            primary.get(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new P4RuntimeException("arbitration for device " + deviceId + " failed: "
                                                 + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new P4RuntimeException("no arbitration answer for device " + deviceId + " in "
                                                 + CALL_TIMEOUT_SECONDS + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new P4RuntimeException("interrupted during arbitration");
        }
    }

    /**
     * Pushes and commits a pipeline (VERIFY_AND_COMMIT), as ONOS's pipeline programmable does for BMv2.
     *
     * @param p4Info       the pipeline's P4Info
     * @param deviceConfig the target's config: for BMv2, the JSON p4c wrote
     * @param cookie       identifies the pipeline (ONOS uses the pipeconf's fingerprint)
     */
    public void setPipelineConfig(P4Info p4Info, byte[] deviceConfig, long cookie) {
        SetForwardingPipelineConfigRequest request = SetForwardingPipelineConfigRequest.newBuilder()
                .setDeviceId(deviceId).setElectionId(electionId)
                .setAction(SetForwardingPipelineConfigRequest.Action.VERIFY_AND_COMMIT)
                .setConfig(ForwardingPipelineConfig.newBuilder().setP4Info(p4Info)
                                   .setP4DeviceConfig(ByteString.copyFrom(deviceConfig))
                                   .setCookie(ForwardingPipelineConfig.Cookie.newBuilder().setCookie(cookie)))
                .build();
        try {
            blocking.withDeadlineAfter(CALL_TIMEOUT_SECONDS * 3, TimeUnit.SECONDS).setForwardingPipelineConfig(request);
        } catch (StatusRuntimeException e) {
            throw failure("SetForwardingPipelineConfig", e);
        }
    }

    /**
     * Writes updates in one WriteRequest: the server applies them all or reports each failed one.
     *
     * @param updates the updates
     * @throws P4RuntimeException naming every failed update with the server's words
     */
    public void write(List<Update> updates) {
        if (updates.isEmpty()) {
            return;
        }
        WriteRequest request = WriteRequest.newBuilder().setDeviceId(deviceId).setElectionId(electionId)
                .addAllUpdates(updates).build();
        try {
            blocking.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS).write(request);
        } catch (StatusRuntimeException e) {
            throw failure("Write of " + updates.size() + " updates", e);
        }
    }

    /**
     * Reads entities in one ReadRequest.
     *
     * @param entities what to read (keys, or wildcards)
     * @return the entities the server returned
     */
    public List<Entity> read(List<Entity> entities) {
        ReadRequest request = ReadRequest.newBuilder().setDeviceId(deviceId).addAllEntities(entities).build();
        List<Entity> result = new ArrayList<>();
        try {
            Iterator<ReadResponse> it = blocking.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                    .read(request);
            it.forEachRemaining(r -> result.addAll(r.getEntitiesList()));
        } catch (StatusRuntimeException e) {
            throw failure("Read", e);
        }
        return result;
    }

    /**
     * Sends a packet-out on the stream channel.
     *
     * @param packet the packet-out
     */
    public void packetOut(PacketOut packet) {
        send(StreamMessageRequest.newBuilder().setPacket(packet).build());
    }

    /**
     * Sets who receives packet-ins from the stream channel.
     *
     * @param handler called on a gRPC thread for each packet-in
     */
    public void onPacketIn(Consumer<PacketIn> handler) {
        this.packetIns = handler;
    }

    // StreamObserver is not thread-safe: packet-outs come from several threads.
    private synchronized void send(StreamMessageRequest request) {
        stream.onNext(request);
    }

    private static P4RuntimeException failure(String what, StatusRuntimeException e) {
        StringBuilder sb = new StringBuilder(what).append(" failed: ").append(e.getStatus());
        com.google.rpc.Status status = StatusProto.fromThrowable(e);
        if (status != null) {
            int index = 0;
            for (Any detail : status.getDetailsList()) {
                try {
                    p4.v1.P4RuntimeOuterClass.Error error = detail.unpack(p4.v1.P4RuntimeOuterClass.Error.class);
                    if (error.getCanonicalCode() != 0) {
                        sb.append("; update ").append(index).append(": ").append(error.getMessage());
                    }
                } catch (InvalidProtocolBufferException ignored) {
                    sb.append("; update ").append(index).append(": undecodable detail");
                }
                index++;
            }
        }
        return new P4RuntimeException(sb.toString(), e);
    }

    @Override
    public void close() {
        try {
            synchronized (this) {
                stream.onCompleted();
            }
        } catch (RuntimeException e) {
            log.debug("stream already closed: {}", e.toString());
        }
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class StreamReader implements StreamObserver<StreamMessageResponse> {
        @Override
        public void onNext(StreamMessageResponse response) {
            switch (response.getUpdateCase()) {
                case ARBITRATION:
                    // Code 0 (OK) makes this client primary; any other code names the primary that is not us.
                    com.google.rpc.Status s = response.getArbitration().getStatus();
                    if (s.getCode() == 0) {
                        primary.complete(null);
                    } else {
                        primary.completeExceptionally(new P4RuntimeException(
                                "not primary: code " + s.getCode() + " " + s.getMessage()));
                    }
                    break;
                case PACKET:
                    packetIns.accept(response.getPacket());
                    break;
                case ERROR:
                    log.warn("P4Runtime stream error: {}", response.getError());
                    break;
                default:
                    log.debug("ignored stream message {}", response.getUpdateCase());
            }
        }

        @Override
        public void onError(Throwable t) {
            primary.completeExceptionally(t);
            log.debug("P4Runtime stream ended: {}", t.toString());
        }

        @Override
        public void onCompleted() {
            primary.completeExceptionally(new P4RuntimeException("stream closed by the server"));
        }
    }
}
