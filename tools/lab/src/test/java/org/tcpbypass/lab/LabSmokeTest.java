package org.tcpbypass.lab;

import org.junit.Assume;
import org.junit.BeforeClass;
import org.junit.Test;

import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Paths;
import java.util.Random;
import java.util.Set;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.Assert.assertArrayEquals;

/**
 * The lab comes up with the project's real classes, and plain forwarding (ACL entries written through the
 * pipeliner, flow rule → PI → BMv2) carries TCP between client and server.
 */
public class LabSmokeTest {

    @BeforeClass
    public static void needsBmv2() {
        LabEnvironment.bmv2Missing().ifPresent(reason -> Assume.assumeTrue("skipped: " + reason, false));
    }

    @Test
    public void plainForwardingCarriesTcpAndTheRealClassesRun() throws Exception {
        try (Lab lab = Lab.start(Paths.get(System.getProperty("lab.repo", "../..")), Set.of())) {
            assertThat(lab.controller().realClasses(), hasItems(
                    "org.tcpbypass.pipeconf.PipeconfLoader", "org.tcpbypass.pipeconf.BypassInterpreter",
                    "org.tcpbypass.pipeconf.AclPipeliner", "org.tcpbypass.impl.BypassManager",
                    "org.tcpbypass.rest.BypassWebApplication"));
            byte[] data = new byte[4 << 20];
            new Random(1).nextBytes(data);
            try (ServerSocketChannel server = lab.listenOnServer();
                 SocketChannel c = lab.socketIn(lab.topology().client())) {
                c.connect(lab.server());
                try (SocketChannel s = server.accept()) {
                    Thread t = new Thread(() -> {
                        try {
                            ByteBuffer b = ByteBuffer.wrap(data);
                            while (b.hasRemaining()) {
                                c.write(b);
                            }
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    t.start();
                    ByteBuffer in = ByteBuffer.allocate(data.length);
                    while (in.hasRemaining() && s.read(in) >= 0) {
                        continue;
                    }
                    t.join();
                    assertArrayEquals(data, in.array());
                }
            }
        }
    }
}
