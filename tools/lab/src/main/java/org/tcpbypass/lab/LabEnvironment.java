package org.tcpbypass.lab;

import org.onosproject.net.pi.model.PiPipelineModel;
import org.onosproject.p4runtime.model.P4InfoParser;
import org.onosproject.p4runtime.model.P4InfoParserException;
import org.tcpbypass.lab.bmv2.SwitchControl;
import org.tcpbypass.lab.net.Shell;
import org.tcpbypass.lab.p4runtime.P4InfoIndex;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * What the lab needs from the machine, and why it cannot run when something is missing.
 */
public final class LabEnvironment {

    /** Where the pipeconf bundle carries the compiled pipeline (p4src/Makefile writes it). */
    public static final String BMV2_JSON_RESOURCE = "/p4c-out/bmv2/tcp_bypass.json";

    /** Where the pipeconf bundle carries the P4Info the JSON was compiled with (P4Runtime 1.2-normalized). */
    public static final String P4INFO_RESOURCE = "/p4c-out/bmv2/tcp_bypass_p4info.txt";
    /** System property forcing the switch path: "p4runtime" or "thrift". */
    public static final String SWITCH_PATH_PROPERTY = "lab.switchPath";

    /**
     * The lab runs the committed BMv2 JSON: it needs BMv2, not p4c. simple_switch_CLI sets the egress queue depth
     * (a BMv2 setting P4Runtime has no message for) on both paths.
     */
    private static final String[] THRIFT_PROGRAMS = {"simple_switch", "simple_switch_CLI"};
    private static final String[] P4RUNTIME_PROGRAMS = {"simple_switch_grpc", "simple_switch_CLI"};
    private static final String[] LINUX_PROGRAMS = {"ip", "tc", "ethtool", "nft", "tcpdump"};

    private LabEnvironment() {
    }

    /**
     * Says why network namespaces cannot be built here, if they cannot.
     *
     * @return the reason, or empty when root with ip, tc, ethtool, nft and tcpdump on PATH
     */
    public static Optional<String> namespacesMissing() {
        if (!"root".equals(System.getProperty("user.name"))) {
            return Optional.of("the lab needs root (network namespaces, veths, tc)");
        }
        for (String p : LINUX_PROGRAMS) {
            if (!Shell.onPath(p)) {
                return Optional.of(p + " is not on PATH (Debian: iproute2, ethtool, nftables, tcpdump)");
            }
        }
        return Optional.empty();
    }

    /**
     * Says why the BMv2 lab cannot run here, if it cannot.
     *
     * @return the reason, or empty when everything is present
     */
    public static Optional<String> bmv2Missing() {
        Optional<String> ns = namespacesMissing();
        if (ns.isPresent()) {
            return ns;
        }
        for (String p : switchPath().equals(SwitchControl.P4RUNTIME) ? P4RUNTIME_PROGRAMS : THRIFT_PROGRAMS) {
            if (!Shell.onPath(p)) {
                return Optional.of(p + " is not on PATH: the BMv2 lab needs BMv2 (version in p4src/README.md)");
            }
        }
        if (LabEnvironment.class.getResource(BMV2_JSON_RESOURCE) == null) {
            return Optional.of("the pipeconf bundle carries no compiled pipeline " + BMV2_JSON_RESOURCE);
        }
        return Optional.empty();
    }

    /**
     * Says how the lab talks to BMv2: {@value #SWITCH_PATH_PROPERTY} when set, else P4Runtime where
     * simple_switch_grpc is on PATH (as ONOS does), else thrift.
     *
     * @return {@link SwitchControl#P4RUNTIME} or {@link SwitchControl#THRIFT}
     */
    public static String switchPath() {
        String forced = System.getProperty(SWITCH_PATH_PROPERTY, "");
        if (!forced.isEmpty()) {
            if (!forced.equals(SwitchControl.P4RUNTIME) && !forced.equals(SwitchControl.THRIFT)) {
                throw new IllegalArgumentException(SWITCH_PATH_PROPERTY + " is p4runtime or thrift, not " + forced);
            }
            return forced;
        }
        return Shell.onPath("simple_switch_grpc") ? SwitchControl.P4RUNTIME : SwitchControl.THRIFT;
    }

    /**
     * Reads the committed P4Info out of the pipeconf bundle.
     *
     * @return its index
     */
    public static P4InfoIndex p4Info() {
        try (InputStream in = LabEnvironment.class.getResourceAsStream(P4INFO_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("no " + P4INFO_RESOURCE + " on the class path");
            }
            return P4InfoIndex.parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Parses the committed P4Info as ONOS does (its P4InfoParser), for the thrift path's controller header layout.
     *
     * @return the pipeline model
     */
    public static PiPipelineModel pipelineModel() {
        try {
            return P4InfoParser.parse(LabEnvironment.class.getResource(P4INFO_RESOURCE));
        } catch (P4InfoParserException e) {
            throw new IllegalStateException("the committed P4Info does not parse: " + e.getMessage(), e);
        }
    }

    /**
     * Says whether this kernel has a qdisc (netem, for one, is a module some kernels lack).
     *
     * @param kind qdisc kind, e.g. "netem"
     * @return true when a namespace's loopback accepts it
     */
    public static boolean qdiscAvailable(String kind) {
        String ns = "tbl-probe-" + ProcessHandle.current().pid();
        Shell.run("ip", "netns", "add", ns);
        try {
            return Shell.tryRun(java.util.List.of("ip", "netns", "exec", ns, "tc", "qdisc", "add", "dev", "lo",
                                                  "root", kind)).exitCode == 0;
        } finally {
            Shell.tryRun(java.util.List.of("ip", "netns", "del", ns));
        }
    }

    /**
     * Copies the committed BMv2 JSON out of the pipeconf bundle, for simple_switch.
     *
     * @return path of a temporary copy, deleted on exit
     */
    public static Path bmv2Json() {
        try (InputStream in = LabEnvironment.class.getResourceAsStream(BMV2_JSON_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("no " + BMV2_JSON_RESOURCE + " on the class path");
            }
            Path p = Files.createTempFile("tcp_bypass", ".json");
            p.toFile().deleteOnExit();
            Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
