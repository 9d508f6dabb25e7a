package org.tcpbypass.lab.net;

import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Test;
import org.tcpbypass.lab.LabEnvironment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.security.MessageDigest;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.greaterThan;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.junit.Assert.assertArrayEquals;

/**
 * The user-space link delays, drops and reorders frames, and TCP still delivers every byte through it.
 * Without a switch, the test joins the client's and server's switch-side veths with a bridge that has
 * no address.
 */
public class ImpairedLinkTest {

    @BeforeClass
    public static void needsNamespaces() {
        LabEnvironment.namespacesMissing().ifPresent(reason -> Assume.assumeTrue("skipped: " + reason, false));
    }

    @Test
    public void delaysEveryFrameAndTcpSurvivesLossAndReordering() throws Exception {
        try (LabTopology t = LabTopology.create(Set.of("client"))) {
            String bridge = LabTopology.PREFIX + Long.toString(ProcessHandle.current().pid(), 36) + "br";
            Shell.run("ip", "link", "add", bridge, "type", "bridge");
            try {
                Shell.run("sysctl", "-qw", "net.ipv6.conf." + bridge + ".disable_ipv6=1");
                Shell.run("ip", "link", "set", t.client().switchInterface(), "master", bridge);
                Shell.run("ip", "link", "set", t.server().switchInterface(), "master", bridge);
                Shell.run("ip", "link", "set", bridge, "up");
                ServerSocketChannel server = Netns.call(t.server().namespace(), () -> {
                    ServerSocketChannel s = ServerSocketChannel.open();
                    s.bind(new InetSocketAddress(t.server().ip().toInetAddress(), 9000));
                    return s;
                });
                InetSocketAddress target = new InetSocketAddress(t.server().ip().toInetAddress(), 9000);
                ImpairedLink link = t.link(t.client());

                long plain = connectMillis(t, target, server);
                link.setDelayMicros(25_000);
                long delayed = connectMillis(t, target, server);
                assertThat("handshake RTT grows by 2 x 25 ms", delayed - plain, greaterThanOrEqualTo(45L));
                assertThat(delayed, lessThan(500L));

                link.setDelayMicros(2_000);
                link.setImpairment(1, 1, 3_000);
                byte[] data = new byte[4 << 20];
                new Random(7).nextBytes(data);
                byte[] received = transfer(t, target, server, data);
                assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(data),
                                  MessageDigest.getInstance("SHA-256").digest(received));
                assertThat("frames dropped", link.dropped(), greaterThan(0L));
                assertThat("frames reordered", link.reordered(), greaterThan(0L));
                server.close();
            } finally {
                Shell.tryRun(List.of("ip", "link", "del", bridge));
            }
        }
    }

    private static SocketChannel client(LabTopology t) {
        return Netns.call(t.client().namespace(), () -> {
            try {
                return SocketChannel.open();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static long connectMillis(LabTopology t, InetSocketAddress target, ServerSocketChannel server)
            throws IOException {
        try (SocketChannel c = client(t)) {
            long start = System.nanoTime();
            c.connect(target);
            long ms = (System.nanoTime() - start) / 1_000_000;
            server.accept().close();
            return ms;
        }
    }

    private static byte[] transfer(LabTopology t, InetSocketAddress target, ServerSocketChannel server,
                                   byte[] data) throws Exception {
        try (SocketChannel c = client(t)) {
            c.connect(target);
            try (SocketChannel s = server.accept()) {
                Thread sender = new Thread(() -> {
                    try {
                        ByteBuffer b = ByteBuffer.wrap(data);
                        while (b.hasRemaining()) {
                            c.write(b);
                        }
                        c.shutdownOutput();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
                sender.start();
                ByteBuffer in = ByteBuffer.allocate(data.length + 1);
                long deadline = System.currentTimeMillis() + 60_000;
                while (System.currentTimeMillis() < deadline && s.read(in) >= 0) {
                    if (in.position() > data.length) {
                        break;
                    }
                }
                sender.join(10_000);
                byte[] out = new byte[in.position()];
                in.flip();
                in.get(out);
                return out;
            }
        }
    }
}
