package org.tcpbypass.proxy.offload;

import org.tcpbypass.proxy.ProxyConfig;
import org.tcpbypass.proxy.linux.Commands;
import org.tcpbypass.proxy.linux.TcpSocket;
import org.tcpbypass.proxy.relay.Relay;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Before a hand-off, delays the proxy's segments to the client in steps (a netem qdisc of its own per
 * connection, under an HTB root on the client-facing interface, selected by a u32 filter on the client's
 * address and port) until the client leg's RTT approaches the end-to-end RTT the connection will have after
 * the bypass, so the client's congestion control is not shocked by a sudden jump.
 */
public final class RttRamp {
    private static final int MAX_FLOWS = 0xfff;
    private final ProxyConfig.RttRamp config;
    private final AtomicInteger nextId = new AtomicInteger();

    /** A ramp on the configured interface. */
    public RttRamp(ProxyConfig.RttRamp config) {
        this.config = config;
    }

    /**
     * Puts an HTB root (one unlimited default class) on the interface and checks that netem can be attached.
     *
     * @throws IOException naming what is missing
     */
    public void install() throws IOException {
        tc("qdisc replace dev " + config.device + " root handle 1: htb default 1\n"
                   + "class replace dev " + config.device + " parent 1: classid 1:1 htb rate 100gbit\n");
        try {
            tc("class add dev " + config.device + " parent 1: classid 1:fff0 htb rate 100gbit\n"
                       + "qdisc add dev " + config.device + " parent 1:fff0 handle fff0: netem delay 1ms\n");
        } catch (IOException e) {
            uninstall();
            throw new IOException("rttRamp needs the netem qdisc (kernel CONFIG_NET_SCH_NETEM) on "
                                          + config.device + ": " + e.getMessage(), e);
        }
        tc("class del dev " + config.device + " classid 1:fff0\n");
    }

    /** Removes the root qdisc (and every per-connection delay). */
    public void uninstall() throws IOException {
        tc("qdisc del dev " + config.device + " root\n");
    }

    /**
     * Ramps the client leg's delay; returns the delay's handle (to {@link #remove}) or null when the server leg's
     * RTT is below one step (no ramp needed).
     */
    public Integer ramp(Relay r) throws IOException, InterruptedException {
        int serverLegRttMillis = TcpSocket.of(r.serverChannel()).info().rttMicros / 1000;
        int target = Math.min(serverLegRttMillis, config.maxMillis);
        if (target < config.stepMillis) {
            return null;
        }
        int id = 1 + Math.floorMod(nextId.getAndIncrement(), MAX_FLOWS - 1);
        String dev = config.device;
        String hex = Integer.toHexString(id + 1);
        tc("class add dev " + dev + " parent 1: classid 1:" + hex + " htb rate 100gbit\n"
                   + "qdisc add dev " + dev + " parent 1:" + hex + " handle " + hex + ": netem delay "
                   + config.stepMillis + "ms limit 100000\n"
                   + "filter add dev " + dev + " parent 1: protocol ip prio 1 handle 800::" + Integer.toHexString(id)
                   + " u32 match ip dst " + r.client().getAddress().getHostAddress() + "/32 match ip dport "
                   + r.client().getPort() + " 0xffff match ip sport " + r.vip().getPort() + " 0xffff flowid 1:"
                   + hex + "\n");
        try {
            for (int delay = 2 * config.stepMillis; delay <= target; delay += config.stepMillis) {
                TimeUnit.MILLISECONDS.sleep(config.intervalMillis);
                tc("qdisc change dev " + dev + " parent 1:" + hex + " handle " + hex + ": netem delay " + delay
                           + "ms limit 100000\n");
            }
            TimeUnit.MILLISECONDS.sleep(config.intervalMillis);
        } catch (IOException | InterruptedException e) {
            remove(id);
            throw e;
        }
        return id;
    }

    /** Removes one connection's delay. */
    public void remove(int id) throws IOException {
        String dev = config.device;
        tc("filter del dev " + dev + " parent 1: protocol ip prio 1 handle 800::" + Integer.toHexString(id)
                   + " u32\nclass del dev " + dev + " classid 1:" + Integer.toHexString(id + 1) + "\n");
    }

    private static void tc(String batch) throws IOException {
        Commands.run(List.of("tc", "-batch", "-"), batch);
    }
}
