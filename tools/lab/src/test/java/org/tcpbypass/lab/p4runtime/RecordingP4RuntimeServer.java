package org.tcpbypass.lab.p4runtime;

import com.google.protobuf.Any;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import p4.v1.P4RuntimeGrpc;
import p4.v1.P4RuntimeOuterClass.CounterData;
import p4.v1.P4RuntimeOuterClass.DirectCounterEntry;
import p4.v1.P4RuntimeOuterClass.Entity;
import p4.v1.P4RuntimeOuterClass.MasterArbitrationUpdate;
import p4.v1.P4RuntimeOuterClass.PacketIn;
import p4.v1.P4RuntimeOuterClass.ReadRequest;
import p4.v1.P4RuntimeOuterClass.ReadResponse;
import p4.v1.P4RuntimeOuterClass.SetForwardingPipelineConfigRequest;
import p4.v1.P4RuntimeOuterClass.SetForwardingPipelineConfigResponse;
import p4.v1.P4RuntimeOuterClass.StreamMessageRequest;
import p4.v1.P4RuntimeOuterClass.StreamMessageResponse;
import p4.v1.P4RuntimeOuterClass.WriteRequest;
import p4.v1.P4RuntimeOuterClass.WriteResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/**
 * A P4Runtime server on 127.0.0.1 that records what a client sends: arbitration made primary, pipeline configs,
 * write requests (refusing table id 0 per update, as a server reports failed updates), reads answered with a
 * direct counter cell, and each packet-out echoed back as a packet-in from the port it was sent to.
 */
final class RecordingP4RuntimeServer extends P4RuntimeGrpc.P4RuntimeImplBase implements AutoCloseable {

    static final long PACKETS = 7;
    static final long BYTES = 700;

    final List<MasterArbitrationUpdate> arbitrations = new CopyOnWriteArrayList<>();
    final List<SetForwardingPipelineConfigRequest> pipelines = new CopyOnWriteArrayList<>();
    final List<WriteRequest> writes = new CopyOnWriteArrayList<>();
    final List<ReadRequest> reads = new CopyOnWriteArrayList<>();
    private final Server server;

    RecordingP4RuntimeServer() {
        try {
            server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(this).build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return server.getPort();
    }

    @Override
    public StreamObserver<StreamMessageRequest> streamChannel(StreamObserver<StreamMessageResponse> responses) {
        return new StreamObserver<>() {
            @Override
            public synchronized void onNext(StreamMessageRequest r) {
                if (r.hasArbitration()) {
                    arbitrations.add(r.getArbitration());
                    responses.onNext(StreamMessageResponse.newBuilder().setArbitration(
                            r.getArbitration().toBuilder().setStatus(com.google.rpc.Status.newBuilder().setCode(0)))
                                             .build());
                } else if (r.hasPacket()) {
                    // As if the frame came back in through the port it was sent out of: packet_out's egress_port
                    // and packet_in's ingress_port both have id 1; the other metadata differ between the two.
                    responses.onNext(StreamMessageResponse.newBuilder().setPacket(
                            PacketIn.newBuilder().setPayload(r.getPacket().getPayload())
                                    .addAllMetadata(r.getPacket().getMetadataList().stream()
                                                            .filter(m -> m.getMetadataId() == 1)
                                                            .collect(Collectors.toList()))).build());
                }
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
                responses.onCompleted();
            }
        };
    }

    @Override
    public void setForwardingPipelineConfig(SetForwardingPipelineConfigRequest request,
                                            StreamObserver<SetForwardingPipelineConfigResponse> response) {
        pipelines.add(request);
        response.onNext(SetForwardingPipelineConfigResponse.getDefaultInstance());
        response.onCompleted();
    }

    @Override
    public void write(WriteRequest request, StreamObserver<WriteResponse> response) {
        writes.add(request);
        boolean failed = request.getUpdatesList().stream()
                .anyMatch(u -> u.getEntity().hasTableEntry() && u.getEntity().getTableEntry().getTableId() == 0);
        if (failed) {
            com.google.rpc.Status.Builder status = com.google.rpc.Status.newBuilder().setCode(2)
                    .setMessage("write failed");
            request.getUpdatesList().forEach(u -> status.addDetails(Any.pack(
                    u.getEntity().getTableEntry().getTableId() == 0
                            ? p4.v1.P4RuntimeOuterClass.Error.newBuilder().setCanonicalCode(3)
                                    .setMessage("Invalid table id").build()
                            : p4.v1.P4RuntimeOuterClass.Error.newBuilder().setCanonicalCode(0).build())));
            response.onError(StatusProto.toStatusRuntimeException(status.build()));
            return;
        }
        response.onNext(WriteResponse.getDefaultInstance());
        response.onCompleted();
    }

    @Override
    public void read(ReadRequest request, StreamObserver<ReadResponse> response) {
        reads.add(request);
        ReadResponse.Builder r = ReadResponse.newBuilder();
        for (Entity e : request.getEntitiesList()) {
            r.addEntities(Entity.newBuilder().setDirectCounterEntry(DirectCounterEntry.newBuilder()
                    .setTableEntry(e.getDirectCounterEntry().getTableEntry())
                    .setData(CounterData.newBuilder().setPacketCount(PACKETS).setByteCount(BYTES))));
        }
        response.onNext(r.build());
        response.onCompleted();
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
