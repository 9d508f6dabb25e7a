package org.tcpbypass.gui;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.collect.ImmutableSet;
import org.onlab.osgi.ServiceDirectory;
import org.onlab.util.SharedExecutors;
import org.onosproject.ui.JsonUtils;
import org.onosproject.ui.RequestHandler;
import org.onosproject.ui.UiConnection;
import org.onosproject.ui.UiMessageHandler;
import org.onosproject.ui.table.TableModel;
import org.onosproject.ui.table.TableRequestHandler;
import org.onosproject.ui.table.cell.EnumFormatter;
import org.onosproject.ui.table.cell.NumberFormatter;
import org.tcpbypass.api.Bypass;
import org.tcpbypass.api.BypassId;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.api.BypassState;
import org.tcpbypass.api.BypassStatistics;
import org.tcpbypass.api.ConnectionTuple;
import org.tcpbypass.api.OffloadException;

import java.time.Clock;
import java.util.Collection;
import java.util.Locale;
import java.util.function.Predicate;

import static com.google.common.base.Strings.isNullOrEmpty;

/**
 * Serves the TCP Bypass view: the connection table with its summary, the release action, and a refresh push
 * whenever records change.
 */
public class BypassViewMessageHandler extends UiMessageHandler {

    static final String TABLE_REQ = "tcpBypassDataRequest";
    static final String TABLE_RESP = "tcpBypassDataResponse";
    static final String TABLE_ROOT = "tcpBypasss";
    static final String RELEASE_REQ = "tcpBypassReleaseRequest";
    static final String RELEASE_RESP = "tcpBypassReleaseResponse";
    static final String REFRESH = "tcpBypassRefresh";

    static final String ID = "id";
    static final String CLIENT_LEG = "clientLeg";
    static final String SERVER_LEG = "serverLeg";
    static final String DEVICE = "deviceId";
    static final String STATE = "state";
    static final String PACKETS = "packets";
    static final String BYTES = "bytes";
    static final String AGE = "age";
    static final String REASON = "reason";

    static final String FILTER = "filter";
    static final String STATE_FILTER = "stateFilter";
    static final String DEVICE_FILTER = "devId";

    static final String PROXIED_NOW = "proxied";
    static final String OFFLOADING_NOW = "offloading";
    static final String BYPASSED_NOW = "bypassed";
    static final String BYTES_SAVED = "bytesSaved";

    static final String RELEASED = "released";
    static final String ERROR = "error";
    static final String RELEASE_REASON = "released by operator (web UI)";

    /** Longest time between a record change and the view's refresh; also the shortest time between two. */
    static final long REFRESH_PERIOD_MILLIS = 500;

    private static final String[] COLUMN_IDS = {
            ID, CLIENT_LEG, SERVER_LEG, DEVICE, STATE, PACKETS, BYTES, AGE, REASON
    };
    private static final String ARROW = " \u2192 ";

    private final BypassService bypassService;
    private final Clock clock;
    private final RefreshThrottle throttle;

    /**
     * Creates the handler.
     *
     * @param bypassService bypass records
     * @param clock         wall clock ages are measured against
     */
    public BypassViewMessageHandler(BypassService bypassService, Clock clock) {
        this(bypassService, clock, REFRESH_PERIOD_MILLIS);
    }

    BypassViewMessageHandler(BypassService bypassService, Clock clock, long refreshPeriodMillis) {
        this.bypassService = bypassService;
        this.clock = clock;
        this.throttle = new RefreshThrottle(SharedExecutors.getTimer(), refreshPeriodMillis,
                                            () -> sendMessage(JsonUtils.envelope(REFRESH, objectNode())));
    }

    @Override
    public void init(UiConnection connection, ServiceDirectory directory) {
        super.init(connection, directory);
        bypassService.addListener(throttle);
    }

    @Override
    public void destroy() {
        bypassService.removeListener(throttle);
        super.destroy();
    }

    @Override
    protected Collection<RequestHandler> createRequestHandlers() {
        return ImmutableSet.of(new TableHandler(), new ReleaseHandler());
    }

    private static String clientLeg(ConnectionTuple t) {
        return t.client() + ARROW + t.vip();
    }

    private static String serverLeg(ConnectionTuple t) {
        return t.proxy() + ARROW + t.server();
    }

    private final class TableHandler extends TableRequestHandler {

        private TableHandler() {
            super(TABLE_REQ, TABLE_RESP, TABLE_ROOT);
        }

        @Override
        protected String[] getColumnIds() {
            return COLUMN_IDS;
        }

        @Override
        protected String noRowsMessage(ObjectNode payload) {
            return "No proxied connections";
        }

        @Override
        protected TableModel createTableModel() {
            TableModel tm = super.createTableModel();
            tm.setFormatter(STATE, EnumFormatter.INSTANCE);
            tm.setFormatter(PACKETS, NumberFormatter.INTEGER);
            tm.setFormatter(BYTES, ByteCountFormatter.INSTANCE);
            tm.setFormatter(AGE, AgeFormatter.INSTANCE);
            return tm;
        }

        @Override
        protected void populateTable(TableModel tm, ObjectNode payload) {
            BypassStatistics stats = bypassService.statistics();
            tm.addAnnotation(PROXIED_NOW, stats.count(BypassState.PROXIED));
            tm.addAnnotation(OFFLOADING_NOW, stats.count(BypassState.OFFLOADING));
            tm.addAnnotation(BYPASSED_NOW, stats.count(BypassState.BYPASSED));
            tm.addAnnotation(BYTES_SAVED, ByteCountFormatter.INSTANCE.format(stats.bytesBypassed()));

            Predicate<Bypass> shown;
            try {
                shown = filter(payload);
            } catch (IllegalArgumentException e) {
                tm.addAnnotation(ERROR, e.getMessage());
                return;
            }
            long now = clock.millis();
            bypassService.bypasses().stream().filter(shown).forEach(b -> tm.addRow()
                    .cell(ID, b.id().id())
                    .cell(CLIENT_LEG, clientLeg(b.tuple()))
                    .cell(SERVER_LEG, serverLeg(b.tuple()))
                    .cell(DEVICE, b.deviceId())
                    .cell(STATE, b.state())
                    .cell(PACKETS, b.counters().packets())
                    .cell(BYTES, b.counters().bytes())
                    .cell(AGE, now - b.created())
                    .cell(REASON, b.reason() == null ? "" : b.reason()));
        }

        private Predicate<Bypass> filter(ObjectNode payload) {
            Predicate<Bypass> shown = b -> true;
            String state = string(payload, STATE_FILTER, "");
            if (!state.isEmpty()) {
                BypassState wanted = parseState(state);
                shown = shown.and(b -> b.state() == wanted);
            }
            String device = string(payload, DEVICE_FILTER, "");
            if (!device.isEmpty()) {
                shown = shown.and(b -> b.deviceId().toString().equals(device));
            }
            String text = string(payload, FILTER, "").trim().toLowerCase(Locale.ROOT);
            if (!text.isEmpty()) {
                shown = shown.and(b -> searchText(b).contains(text));
            }
            return shown;
        }

        private BypassState parseState(String state) {
            try {
                return BypassState.valueOf(state.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown state '" + state + "'", e);
            }
        }

        private String searchText(Bypass b) {
            return String.join(" ", b.id().toString(), clientLeg(b.tuple()), serverLeg(b.tuple()),
                               b.deviceId().toString(), b.state().name(), b.proxy()).toLowerCase(Locale.ROOT);
        }
    }

    private final class ReleaseHandler extends RequestHandler {

        private ReleaseHandler() {
            super(RELEASE_REQ);
        }

        @Override
        public void process(ObjectNode payload) {
            String id = string(payload, ID);
            ObjectNode result = objectNode().put(ID, id);
            try {
                Bypass released = bypassService.release(BypassId.valueOf(isNullOrEmpty(id) ? "" : id),
                                                        RELEASE_REASON);
                result.put(RELEASED, true).put(STATE, EnumFormatter.INSTANCE.format(released.state()));
            } catch (IllegalArgumentException | OffloadException e) {
                result.put(RELEASED, false).put(ERROR, e.getMessage());
            }
            sendMessage(RELEASE_RESP, result);
        }
    }
}
