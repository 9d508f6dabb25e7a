package org.tcpbypass.cli;

import org.apache.karaf.shell.api.action.Argument;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.Option;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.onlab.packet.MacAddress;
import org.onosproject.cli.AbstractShellCommand;
import org.onosproject.net.DeviceId;
import org.onosproject.net.PortNumber;
import org.tcpbypass.api.Attachment;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.LegState;
import org.tcpbypass.api.OffloadException;
import org.tcpbypass.api.OffloadRequest;
import org.tcpbypass.api.TcpEndpoint;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Requests an offload by hand, validated exactly like a proxy's request through REST.
 */
@Service
@Command(scope = "onos", name = "bypass-offload",
        description = "Requests the offload of one proxied TCP connection to the switch")
public class BypassOffloadCommand extends AbstractShellCommand {

    private static final String TIMESTAMPS = "timestamps";
    private static final List<String> REQUIRED_LEG_FIELDS = List.of(
            "sndNxt", "rcvNxt", "localWindowShift", "peerWindowShift", "mss", "sackPermitted", TIMESTAMPS);
    private static final List<String> TIMESTAMP_FIELDS = List.of("tsVal", "peerTsVal");
    private static final String LEG_HELP = "Leg state, the REST API's fields: sndNxt=N,rcvNxt=N,localWindowShift=N,"
            + "peerWindowShift=N,mss=N,sackPermitted=B,timestamps=B[,tsVal=N,peerTsVal=N (with timestamps=true)]";
    private static final String ATTACHMENT_HELP = "Switch port and MAC address, port/mac, e.g. 1/00:00:00:00:00:01;"
            + " resolved through the host service when absent";

    @Argument(index = 0, name = "deviceId", description = "Switch to carry the connection", required = true)
    @Completion(BypassDeviceIdCompleter.class)
    String device = null;

    @Argument(index = 1, name = "proxy", description = "Registered proxy name", required = true)
    @Completion(BypassProxyCompleter.class)
    String proxy = null;

    @Argument(index = 2, name = "client", description = "Client address, ip:port", required = true)
    String client = null;

    @Argument(index = 3, name = "vip", description = "VIP the client connected to, ip:port", required = true)
    String vip = null;

    @Argument(index = 4, name = "proxyAddress", description = "Proxy source of the server leg, ip:port",
            required = true)
    String proxyAddress = null;

    @Argument(index = 5, name = "server", description = "Server address, ip:port", required = true)
    String server = null;

    @Option(name = "-c", aliases = "--client-leg", description = LEG_HELP, required = true)
    String clientLeg = null;

    @Option(name = "-s", aliases = "--server-leg", description = LEG_HELP, required = true)
    String serverLeg = null;

    @Option(name = "--client-attachment", description = ATTACHMENT_HELP)
    String clientAttachment = null;

    @Option(name = "--server-attachment", description = ATTACHMENT_HELP)
    String serverAttachment = null;

    @Override
    protected void doExecute() {
        Bypass accepted;
        try {
            accepted = getService(BypassService.class).offload(request());
        } catch (OffloadException e) {
            error("Offload refused (%s): %s", e.reason(), e.getMessage());
            return;
        } catch (IllegalArgumentException e) {
            error("Invalid offload: %s", e.getMessage());
            return;
        }
        if (outputJson()) {
            print("%s", jsonForEntity(accepted, Bypass.class));
        } else {
            print("Offload accepted: id=%s, state=%s", accepted.id(), accepted.state());
        }
    }

    private OffloadRequest request() {
        return OffloadRequest.builder()
                .deviceId(DeviceId.deviceId(device))
                .proxy(proxy)
                .tuple(ConnectionTuple.of(endpoint("client", client), endpoint("vip", vip),
                                          endpoint("proxyAddress", proxyAddress), endpoint("server", server)))
                .clientLeg(leg("clientLeg", clientLeg))
                .serverLeg(leg("serverLeg", serverLeg))
                .clientAttachment(attachment("clientAttachment", clientAttachment))
                .serverAttachment(attachment("serverAttachment", serverAttachment))
                .build();
    }

    private static TcpEndpoint endpoint(String field, String text) {
        try {
            return TcpEndpoint.valueOf(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }

    private static Attachment attachment(String field, String text) {
        if (text == null) {
            return null;
        }
        int slash = text.indexOf('/');
        try {
            if (slash <= 0) {
                throw new IllegalArgumentException("'" + text + "' is not port/mac");
            }
            return Attachment.of(PortNumber.portNumber(Long.parseLong(text.substring(0, slash))),
                                 MacAddress.valueOf(text.substring(slash + 1)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage(), e);
        }
    }

    private static LegState leg(String field, String text) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException(field + ": '" + pair + "' is not name=value");
            }
            String name = pair.substring(0, eq).trim();
            if (values.put(name, pair.substring(eq + 1).trim()) != null) {
                throw new IllegalArgumentException(field + "." + name + ": given twice");
            }
        }
        List<String> required = new ArrayList<>(REQUIRED_LEG_FIELDS);
        if ("true".equals(values.get(TIMESTAMPS))) {
            required.addAll(TIMESTAMP_FIELDS);
        }
        for (String name : required) {
            if (!values.containsKey(name)) {
                throw new IllegalArgumentException(field + "." + name + ": is required");
            }
        }
        try {
            LegState.Builder leg = LegState.builder();
            values.forEach((name, value) -> set(leg, name, value));
            return leg.build();
        } catch (IllegalArgumentException e) {
            // LegState's messages start with the field's name.
            throw new IllegalArgumentException(field + "." + e.getMessage(), e);
        }
    }

    private static void set(LegState.Builder leg, String key, String value) {
        switch (key) {
            case "sndNxt":
                leg.sndNxt(number(key, value));
                break;
            case "rcvNxt":
                leg.rcvNxt(number(key, value));
                break;
            case "localWindowShift":
                leg.localWindowShift(integer(key, value));
                break;
            case "peerWindowShift":
                leg.peerWindowShift(integer(key, value));
                break;
            case "mss":
                leg.mss(integer(key, value));
                break;
            case "sackPermitted":
                leg.sackPermitted(bool(key, value));
                break;
            case TIMESTAMPS:
                leg.timestamps(bool(key, value));
                break;
            case "tsVal":
                leg.tsVal(number(key, value));
                break;
            case "peerTsVal":
                leg.peerTsVal(number(key, value));
                break;
            default:
                throw new IllegalArgumentException(key + ": unknown field");
        }
    }

    private static long number(String key, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + value + "' is not an integer", e);
        }
    }

    private static int integer(String key, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + value + "' is not an integer", e);
        }
    }

    private static boolean bool(String key, String value) {
        if (!"true".equals(value) && !"false".equals(value)) {
            throw new IllegalArgumentException(key + ": '" + value + "' is not true or false");
        }
        return Boolean.parseBoolean(value);
    }
}
